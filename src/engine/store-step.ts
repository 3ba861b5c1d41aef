// The `store` step (the workspace data store), shared by the executor (durable runs) and the test
// run: save-time checks per operation, rendering the collection, key and value from templates, what
// a `get` that finds nothing means under onNotFound, the journal entry a write commits with itself,
// and the plan's limits.
import type { StepRecord, StepStatus } from '../store/types.ts';
import { checkAddress, CollectionError, COLLECTION_NAME, type CollectionRecord, type CollectionWrite } from '../store/collections.ts';
import type { StoreStep } from './flow-schema.ts';
import { renderTemplate, renderValue, type TemplateContext } from './template.ts';
import type { RunScope } from './variables.ts';

const WRITES_VALUE = new Set(['set', 'setIfAbsent', 'append']);
const TAKES_TTL = new Set(['set', 'setIfAbsent', 'increment', 'append']);

/** What the schema cannot say: which fields each operation takes. `field` is relative to the step. */
export function checkStoreStep(step: StoreStep): Array<{ field: string; message: string }> {
  const issues: Array<{ field: string; message: string }> = [];
  const op = step.operation;
  if (!step.collection.includes('{{') && !COLLECTION_NAME.test(step.collection)) {
    issues.push({ field: 'collection', message: `collection name "${step.collection}": letters, digits, _ - . (up to 64, a letter or digit first) / имя коллекции: латиница, цифры, _ - .` });
  }
  if (typeof step.key === 'string' && step.key.trim() === '') issues.push({ field: 'key', message: 'a key is required / укажите ключ' });
  if (WRITES_VALUE.has(op) && step.value === undefined) issues.push({ field: 'value', message: `"${op}" needs a value / для «${op}» нужно значение` });
  if ((op === 'get' || op === 'delete') && step.value !== undefined) issues.push({ field: 'value', message: `"${op}" takes no value / «${op}» не принимает значение` });
  if (op === 'increment' && step.value !== undefined && typeof step.value !== 'number' && !(typeof step.value === 'string' && (step.value.includes('{{') || isNumeric(step.value)))) {
    issues.push({ field: 'value', message: 'increment takes a number (or a template giving one) / для increment нужно число' });
  }
  if (step.ttlSeconds !== undefined && !TAKES_TTL.has(op)) issues.push({ field: 'ttlSeconds', message: `"${op}" takes no ttlSeconds / «${op}» не принимает ttlSeconds` });
  if (step.onNotFound !== undefined && op !== 'get') issues.push({ field: 'onNotFound', message: 'onNotFound is for "get" only / onNotFound только для get' });
  return issues;
}

function isNumeric(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text.trim().replace(',', '.')));
}

export interface ResolvedStoreStep {
  collection: string;
  key: string;
  /** null for `get`. */
  write: CollectionWrite | null;
  /** The journal's input: the step as it resolved. */
  input: Record<string, unknown>;
}

/** Renders the step's templates and checks the result (a key that renders empty, a value that is no number for increment). */
export function resolveStoreStep(step: StoreStep, ctx: TemplateContext): ResolvedStoreStep {
  const collection = String(renderTemplate(step.collection, ctx) ?? '');
  const key = checkAddress(collection, typeof step.key === 'string' ? renderTemplate(step.key, ctx) : step.key);
  const value = step.value === undefined ? undefined : renderValue(step.value, ctx);
  const input: Record<string, unknown> = { operation: step.operation, collection, key };
  if (value !== undefined) input.value = value;
  if (step.ttlSeconds !== undefined) input.ttlSeconds = step.ttlSeconds;
  const ttl = step.ttlSeconds === undefined ? {} : { ttlSeconds: step.ttlSeconds };
  let write: CollectionWrite | null;
  switch (step.operation) {
    case 'get':
      write = null;
      break;
    case 'delete':
      write = { op: 'delete' };
      break;
    case 'increment':
      write = { op: 'increment', by: incrementBy(value), ...ttl };
      break;
    case 'set':
    case 'setIfAbsent':
    case 'append':
      if (value === undefined || value === null || value === '') {
        throw new CollectionError('invalid', `Значение для «${step.operation}» пустое / The value for "${step.operation}" is empty`);
      }
      write = { op: step.operation, value, ...ttl };
      break;
  }
  return { collection, key, write, input };
}

function incrementBy(value: unknown): number {
  if (value === undefined) return 1;
  const n = typeof value === 'string' && isNumeric(value) ? Number(value.trim().replace(',', '.')) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new CollectionError('not_a_number', `Шаг увеличения не число: ${JSON.stringify(value)} / The increment is not a number: ${JSON.stringify(value)}`);
  }
  return n;
}

export type StoreEnding =
  | { kind: 'next'; status: StepStatus; output: unknown }
  | { kind: 'stopped'; output: unknown; error: string }
  | { kind: 'failed'; output: unknown; error: string };

/** A `get`: found goes on; nothing found follows onNotFound (default stop, like find actions). */
export function getEnding(step: StoreStep, resolved: ResolvedStoreStep, found: CollectionRecord | undefined): StoreEnding {
  if (found) return { kind: 'next', status: 'succeeded', output: { found: true, value: found.value } };
  const output = { found: false, value: null };
  const message = `Нет записи «${resolved.key}» в коллекции «${resolved.collection}» / No record "${resolved.key}" in collection "${resolved.collection}"`;
  switch (step.onNotFound ?? 'stop') {
    case 'continue':
      return { kind: 'next', status: 'not_found', output };
    case 'fail':
      return { kind: 'failed', output, error: message };
    case 'stop':
      return { kind: 'stopped', output, error: message };
  }
}

/** The journal entry as the executor's journal writes it: secrets masked, the real output sealed beside it. */
export function maskedEntry(scope: RunScope, record: StepRecord): StepRecord {
  const masker = scope.masker.empty ? null : scope.masker;
  if (!masker) return { ...record, sealedOutput: null };
  const { value: output, changed } = masker.mask(record.output);
  const sealedOutput = changed ? scope.seal(record.output, `${record.executionId}:${record.stepId}`) : null;
  return { ...record, input: masker.value(record.input), output, error: record.error === null ? null : masker.text(record.error), sealedOutput };
}
