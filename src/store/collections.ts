// The workspace data store's rules, shared by both dialects: what a write does to the record it
// finds (pure), sizes, names and limits, and the messages users see. The SQLite and PostgreSQL
// collection stores only lock, read, apply what this decides, and count usage.
import type { StepRecord } from './types.ts';
import { parseJson } from '../lib/json.ts';

/** A value is JSON text of at most this many bytes (UTF-8). */
export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_KEY_LENGTH = 512;
/** Collection names: a letter or digit first, then letters, digits, `_`, `-`, `.`; at most 64. */
export const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_TTL_SECONDS = 10 * 365 * 86_400;

export type CollectionErrorCode = 'invalid' | 'not_a_number' | 'not_a_list' | 'too_large' | 'limit_records' | 'limit_bytes';

/** A write refused for what it is (nothing was changed): a step fails with this message, the API answers 400/409/413. */
export class CollectionError extends Error {
  readonly code: CollectionErrorCode;
  constructor(code: CollectionErrorCode, message: string) {
    super(message);
    this.name = 'CollectionError';
    this.code = code;
  }
}

export interface CollectionRecord {
  collection: string;
  key: string;
  value: unknown;
  /** Epoch ms; null: never expires. */
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface CollectionSummary {
  name: string;
  /** Live (unexpired) records. */
  records: number;
}

/** The plan's ceilings for a workspace's collections; null: no ceiling. */
export interface CollectionLimits {
  records: number | null;
  bytes: number | null;
}

export type CollectionWrite =
  | { op: 'set'; value: unknown; ttlSeconds?: number }
  | { op: 'setIfAbsent'; value: unknown; ttlSeconds?: number }
  | { op: 'delete' }
  | { op: 'increment'; by: number; ttlSeconds?: number }
  | { op: 'append'; value: unknown; ttlSeconds?: number };

export type CollectionWriteOutput = { value: unknown } | { set: boolean } | { deleted: boolean };

/**
 * A `store` step's journal entry, committed in the write's own transaction: the write and "this
 * step is done, with this output" are one unit, so a resumed or retried execution never repeats it.
 */
export interface StepCommit {
  executionId: string;
  stepId: string;
  /** The journal entry for the write's output (secrets already masked by the engine). */
  record(output: CollectionWriteOutput): StepRecord;
}

export interface CollectionWriteRequest {
  workspaceId: string;
  collection: string;
  key: string;
  write: CollectionWrite;
  /** Epoch ms: expiry is judged and set against it (tests pass their own clock). */
  now: number;
  limits: CollectionLimits;
  step?: StepCommit;
  /** Decide and check everything, then roll back: a test run's "what would happen". */
  dryRun?: boolean;
}

export interface CollectionWriteResult {
  output: CollectionWriteOutput;
  /** The step had already committed this write (another run of the same execution): its journaled output. */
  replayed: boolean;
}

export interface ListOptions {
  prefix?: string;
  /** The last key of the previous page. */
  after?: string;
  limit: number;
}

/** The row a write finds, expired or not (expired ones still count in usage until swept or replaced). */
export interface StoredRow {
  value: string;
  expiresAt: number | null;
  createdAt: number;
}

export type WritePlan =
  | { action: 'put'; valueText: string; expiresAt: number | null; output: CollectionWriteOutput }
  | { action: 'delete'; output: CollectionWriteOutput }
  | { action: 'none'; output: CollectionWriteOutput };

export function isLive(row: { expiresAt: number | null }, now: number): boolean {
  return row.expiresAt === null || row.expiresAt > now;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The JSON text stored for a value; refuses what JSON cannot hold and anything over 64 KB. */
export function encodeValue(value: unknown): string {
  if (value === undefined) throw new CollectionError('invalid', 'Нет значения / No value given');
  if (typeof value === 'number' && !Number.isFinite(value)) throw new CollectionError('invalid', `Значение ${value} не сохранить в JSON / ${value} cannot be stored as JSON`);
  const text = JSON.stringify(value);
  if (text === undefined) throw new CollectionError('invalid', 'Значение не сохранить в JSON / The value cannot be stored as JSON');
  const bytes = byteLength(text);
  if (bytes > MAX_VALUE_BYTES) {
    throw new CollectionError('too_large', `Значение ${bytes} байт больше ${MAX_VALUE_BYTES / 1024} КБ / The value is ${bytes} bytes, over ${MAX_VALUE_BYTES / 1024} KB`);
  }
  return text;
}

export function decodeValue(text: string): unknown {
  return parseJson(text);
}

/** Checks a collection name and key as a step or the API gives them; returns the key as text. */
export function checkAddress(collection: string, key: unknown): string {
  if (!COLLECTION_NAME.test(collection)) {
    throw new CollectionError('invalid', `Имя коллекции «${collection}»: латиница, цифры, _ - . (до 64, первой — буква или цифра) / Collection name "${collection}": letters, digits, _ - . (up to 64, a letter or digit first)`);
  }
  if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
  if (typeof key !== 'string' || key.length === 0) {
    throw new CollectionError('invalid', `Ключ должен быть непустой строкой или числом, получено ${JSON.stringify(key) ?? 'undefined'} / The key must be a non-empty string or number, got ${JSON.stringify(key) ?? 'undefined'}`);
  }
  if (key.length > MAX_KEY_LENGTH) throw new CollectionError('invalid', `Ключ длиннее ${MAX_KEY_LENGTH} символов / The key is longer than ${MAX_KEY_LENGTH} characters`);
  return key;
}

function expiry(ttlSeconds: number | undefined, now: number, otherwise: number | null): number | null {
  return ttlSeconds === undefined ? otherwise : now + ttlSeconds * 1000;
}

/**
 * What a write does to the row found (undefined: none). An expired row reads as absent. `set`
 * replaces the record (expiry only from its own ttlSeconds); `increment` and `append` keep a live
 * record's expiry unless given ttlSeconds.
 */
export function planWrite(write: CollectionWrite, row: StoredRow | undefined, now: number): WritePlan {
  const live = row && isLive(row, now) ? row : undefined;
  switch (write.op) {
    case 'set': {
      const valueText = encodeValue(write.value);
      return { action: 'put', valueText, expiresAt: expiry(write.ttlSeconds, now, null), output: { value: write.value } };
    }
    case 'setIfAbsent':
      if (live) return { action: 'none', output: { set: false } };
      return { action: 'put', valueText: encodeValue(write.value), expiresAt: expiry(write.ttlSeconds, now, null), output: { set: true } };
    case 'delete':
      return row ? { action: 'delete', output: { deleted: live !== undefined } } : { action: 'none', output: { deleted: false } };
    case 'increment': {
      if (typeof write.by !== 'number' || !Number.isFinite(write.by)) {
        throw new CollectionError('not_a_number', `Шаг увеличения должен быть числом, получено ${JSON.stringify(write.by)} / The increment must be a number, got ${JSON.stringify(write.by)}`);
      }
      const current = live ? decodeValue(live.value) : 0;
      if (typeof current !== 'number') {
        throw new CollectionError('not_a_number', `Значение не число, увеличить нельзя: ${preview(current)} / The value is not a number and cannot be incremented: ${preview(current)}`);
      }
      const value = current + write.by;
      return { action: 'put', valueText: encodeValue(value), expiresAt: expiry(write.ttlSeconds, now, live?.expiresAt ?? null), output: { value } };
    }
    case 'append': {
      const current = live ? decodeValue(live.value) : [];
      if (!Array.isArray(current)) {
        throw new CollectionError('not_a_list', `Значение не список, добавить нельзя: ${preview(current)} / The value is not a list and cannot be appended to: ${preview(current)}`);
      }
      const value = [...current, write.value];
      return { action: 'put', valueText: encodeValue(value), expiresAt: expiry(write.ttlSeconds, now, live?.expiresAt ?? null), output: { value } };
    }
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** How a plan changes the workspace's usage: records and bytes (key + value) added, negative when freed. */
export function usageDelta(plan: WritePlan, key: string, row: StoredRow | undefined): { records: number; bytes: number } {
  const before = row ? byteLength(key) + byteLength(row.value) : 0;
  if (plan.action === 'none') return { records: 0, bytes: 0 };
  if (plan.action === 'delete') return { records: row ? -1 : 0, bytes: -before };
  return { records: row ? 0 : 1, bytes: byteLength(key) + byteLength(plan.valueText) - before };
}

/** Throws when the usage after a growing write passes the plan's limits (the caller's transaction is then rolled back). */
export function checkLimits(after: { records: number; bytes: number }, delta: { records: number; bytes: number }, limits: CollectionLimits): void {
  if (delta.records > 0 && limits.records !== null && after.records > limits.records) {
    throw new CollectionError(
      'limit_records',
      `Хранилище: достигнут лимит тарифа — ${limits.records} записей; удалите ненужные или смените тариф / Data store: the plan's limit of ${limits.records} records is reached; delete some or change the plan`,
    );
  }
  if (delta.bytes > 0 && limits.bytes !== null && after.bytes > limits.bytes) {
    throw new CollectionError(
      'limit_bytes',
      `Хранилище: достигнут лимит тарифа — ${formatBytes(limits.bytes)}; удалите ненужные записи или смените тариф / Data store: the plan's limit of ${formatBytes(limits.bytes)} is reached; delete some records or change the plan`,
    );
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}

/** Thrown inside a dry run's transaction to roll it back, carrying what the write would have answered. */
export class DryRunRollback extends Error {
  readonly result: CollectionWriteResult;
  constructor(result: CollectionWriteResult) {
    super('dry run');
    this.result = result;
  }
}

/** The upper bound of a prefix range: keys compare bytewise, and no UTF-8 sequence sorts after U+10FFFF. */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

/** Every live record of a collection, in key order, a page at a time (the NDJSON export). */
export async function* exportRecords(
  store: { list(workspaceId: string, collection: string, opts: ListOptions, now: number): Promise<{ items: CollectionRecord[]; next: string | null }> },
  workspaceId: string,
  collection: string,
  now: number,
  opts: { prefix?: string; pageSize?: number } = {},
): AsyncGenerator<CollectionRecord> {
  let after: string | undefined;
  for (;;) {
    const page = await store.list(workspaceId, collection, { prefix: opts.prefix, after, limit: opts.pageSize ?? 500 }, now);
    yield* page.items;
    if (!page.next) return;
    after = page.next;
  }
}

/** A journal column as a dialect keeps it: JSON text, or (SQLite) long JSON packed (compression.ts). */
export type JournalColumn = string | Uint8Array | null;

/** A journal entry's input and output as JSON text (null when unset). */
export function journalJson(s: StepRecord): { input: string | null; output: string | null } {
  return { input: s.input === undefined ? null : JSON.stringify(s.input), output: s.output === undefined ? null : JSON.stringify(s.output) };
}

/**
 * The columns of a journal entry, in UPSERT_STEP's order (both dialects write the same); input and
 * output as the dialect keeps them — JSON text unless given (SQLite packs long ones; PostgreSQL's
 * TOAST compresses by itself).
 */
export function stepValues(s: StepRecord, journal: { input: JournalColumn; output: JournalColumn } = journalJson(s)): Array<string | number | null | Uint8Array> {
  return [
    s.executionId,
    s.stepId,
    s.idx,
    s.type,
    s.status,
    journal.input,
    journal.output,
    s.error,
    s.attempts,
    s.transactions,
    s.resumeAt,
    s.startedAt,
    s.finishedAt,
    s.sealedOutput ?? null,
  ];
}

export function freedByWorkspace(rows: ReadonlyArray<{ workspace_id: string; bytes: number }>): Map<string, { records: number; bytes: number }> {
  const freed = new Map<string, { records: number; bytes: number }>();
  for (const r of rows) {
    const f = freed.get(r.workspace_id) ?? { records: 0, bytes: 0 };
    f.records++;
    f.bytes += Number(r.bytes);
    freed.set(r.workspace_id, f);
  }
  // Key order: two sweeps on PostgreSQL lock usage rows in the same order.
  return new Map([...freed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
