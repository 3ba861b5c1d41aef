// Save-time validation of a flow: the schema, then what the schema cannot see — connectors and
// their events/actions exist, step ids are unique, required inputs are given, every template
// parses and refers only to earlier steps, every condition is well-formed.
import type { z } from 'zod';
import { actionInputFields, parseFields } from '../connector-kit/fields.ts';
import type { FieldDef } from '../connector-kit/types.ts';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import { checkConditionStatic } from './conditions.ts';
import { flowSchema, MAX_FLOW_DEPTH, type Condition, type FlowDefinition, type Step } from './flow-schema.ts';
import { checkValue } from './template.ts';
import { checkStoreStep } from './store-step.ts';

export interface FlowIssue {
  /** Where: `steps[1] (deal) input.orderNumber`, `trigger.event`, … */
  path: string;
  message: string;
}

export class FlowValidationError extends Error {
  readonly issues: FlowIssue[];
  constructor(issues: FlowIssue[]) {
    super(`Invalid flow: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'FlowValidationError';
    this.issues = issues;
  }
}

export interface ValidateOptions {
  /** false: the workspace may not use `{{env.*}}` (SVYAZKA_ENV_WORKSPACES). */
  envAllowed?: boolean;
  /** The workspace's connections, name → connector key; given, every named connection is checked. */
  connections?: ReadonlyMap<string, string>;
}

export function validateFlow(raw: unknown, connectors: ConnectorRegistry, opts: ValidateOptions = {}): FlowDefinition {
  // First, before anything walks it: a definition nested past the limit is refused, naming where.
  const tooDeep = firstTooDeep(raw, MAX_FLOW_DEPTH);
  if (tooDeep) {
    const shown = tooDeep.length > 12 ? [...tooDeep.slice(0, 10)] : tooDeep;
    const where = describePath(shown, raw) + (shown.length < tooDeep.length ? '…' : '');
    throw new FlowValidationError([{ path: where, message: `nested deeper than ${MAX_FLOW_DEPTH} levels (objects and arrays inside one another); flatten it` }]);
  }
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) throw new FlowValidationError(zodIssues(parsed.error, raw));
  const flow = parsed.data;
  const issues: FlowIssue[] = [];

  const connector = connectors.get(flow.trigger.connector);
  const trigger = connectors.flowTrigger(flow.trigger);
  const modes = connectors.deliveries(flow.trigger.connector, flow.trigger.event);
  if (!connector) issues.push({ path: 'trigger.connector', message: `unknown connector "${flow.trigger.connector}"` });
  else if (modes.length === 0) {
    const known = [...new Set(connector.triggers.map((t) => t.id))].join(', ') || 'none';
    issues.push({ path: 'trigger.event', message: `connector "${connector.key}" has no event "${flow.trigger.event}" (events: ${known})` });
  } else if (!trigger) {
    issues.push({ path: 'trigger.options.delivery', message: `event "${flow.trigger.event}" is not delivered by "${String(flow.trigger.options.delivery)}" (modes: ${modes.join(', ')})` });
  } else {
    const options = parseFields(trigger.options ?? [], flow.trigger.options);
    if (!options.ok) for (const issue of options.issues) issues.push({ path: `trigger.options.${issue.field}`, message: issue.message });
  }

  // A named connection must exist and belong to the step's (or trigger's) connector.
  const connectionIssue = (path: string, name: string | undefined, connector: string) => {
    if (name === undefined || !opts.connections) return;
    const owner = opts.connections.get(name);
    if (owner === undefined) {
      const same = [...opts.connections].filter(([, c]) => c === connector).map(([n]) => n);
      issues.push({ path, message: `no connection named "${name}" / подключения «${name}» нет (${connector}: ${same.join(', ') || 'none — add one under Connections'})` });
    } else if (owner !== connector) {
      issues.push({ path, message: `connection "${name}" is a ${owner} connection, not ${connector} / подключение «${name}» — для ${owner}, а не ${connector}` });
    }
  };
  if (trigger) connectionIssue('trigger.connection', flow.trigger.connection, flow.trigger.connector);

  // Step ids are unique across the flow, branches included; a step may refer to any step before it
  // (a step after a router to those of every branch: the branch not taken has no output).
  const allIds = new Set<string>();
  const checkConditions = (at: string, mode: 'all' | 'any', conditions: readonly Condition[], templateIssues: (value: unknown, field: string) => void) => {
    conditions.forEach((c, i) => {
      const problem = checkConditionStatic(c.op, c.right);
      if (problem) issues.push({ path: `${at}.${mode}[${i}]`, message: problem });
      templateIssues(c.left, `${mode}[${i}].left`);
      templateIssues(c.right, `${mode}[${i}].right`);
    });
  };
  const checkSteps = (steps: readonly Step[], prefix: string, seen: Set<string>) => steps.forEach((step, index) => {
    const at = `${prefix}[${index}] (${step.id})`;
    if (allIds.has(step.id)) issues.push({ path: `${at}.id`, message: `duplicate step id "${step.id}"` });
    const earlier = { stepIds: new Set(seen), envAllowed: opts.envAllowed, maps: new Set(Object.keys(flow.maps ?? {})) };
    const templateIssues = (value: unknown, field: string) => {
      for (const issue of checkValue(value, earlier)) {
        const where = issue.field ? `${field}.${issue.field}` : field;
        issues.push({ path: `${at}.${where}`, message: `${issue.message} in "${issue.expression}" at position ${issue.position}` });
      }
    };
    switch (step.type) {
      case 'action': {
        const action = connectors.action(step.connector, step.action);
        if (!connectors.get(step.connector)) issues.push({ path: `${at}.connector`, message: `unknown connector "${step.connector}"` });
        else if (!action) {
          const known = connectors.get(step.connector)!.actions.map((a) => a.id).join(', ') || 'none';
          issues.push({ path: `${at}.action`, message: `connector "${step.connector}" has no action "${step.action}" (actions: ${known})` });
        } else {
          for (const field of action.input) {
            if (field.required && isMissing(step.input, field.id)) {
              issues.push({ path: `${at}.input.${field.id}`, message: `required input "${field.id}" (${field.label}) is missing / не заполнено обязательное поле «${field.label}»` });
            }
          }
          const known = actionInputFields(action);
          for (const key of Object.keys(step.input)) {
            if (!inputKeyKnown(key, known)) {
              issues.push({ path: `${at}.input.${key}`, message: `action "${step.action}" has no input "${key}" / у действия нет поля «${key}» (inputs: ${listIds(known)})` });
            }
          }
        }
        connectionIssue(`${at}.connection`, step.connection, step.connector);
        templateIssues(step.input, 'input');
        break;
      }
      case 'filter':
        checkConditions(at, step.all ? 'all' : 'any', step.all ?? step.any ?? [], templateIssues);
        break;
      case 'router': {
        allIds.add(step.id);
        seen.add(step.id);
        const before = new Set(seen);
        const branchIds = new Set<string>();
        const taken: Array<[readonly Step[], string]> = [];
        step.branches.forEach((branch, b) => {
          const bat = `${at}.branches[${b}] (${branch.id})`;
          if (branchIds.has(branch.id)) issues.push({ path: `${bat}.id`, message: `duplicate branch id "${branch.id}"` });
          branchIds.add(branch.id);
          const branchTemplates = (value: unknown, field: string) => {
            for (const issue of checkValue(value, earlier)) issues.push({ path: `${bat}.${issue.field ? `${field}.${issue.field}` : field}`, message: `${issue.message} in "${issue.expression}" at position ${issue.position}` });
          };
          checkConditions(bat, branch.all ? 'all' : 'any', branch.all ?? branch.any ?? [], branchTemplates);
          taken.push([branch.steps, `${at}.branches[${b}].steps`]);
        });
        if (step.otherwise) taken.push([step.otherwise, `${at}.otherwise`]);
        // Each branch sees the steps before the router and its own earlier steps, not another branch's.
        for (const [steps, where] of taken) {
          const inBranch = new Set(before);
          checkSteps(steps, where, inBranch);
          for (const id of inBranch) seen.add(id);
        }
        break;
      }
      case 'delay':
        if (step.until !== undefined) templateIssues(step.until, 'until');
        break;
      case 'set':
        templateIssues(step.values, 'values');
        break;
      case 'store':
        for (const issue of checkStoreStep(step)) issues.push({ path: `${at}.${issue.field}`, message: issue.message });
        templateIssues(step.collection, 'collection');
        templateIssues(step.key, 'key');
        if (step.value !== undefined) templateIssues(step.value, 'value');
        break;
    }
    allIds.add(step.id);
    seen.add(step.id);
  });
  checkSteps(flow.steps, 'steps', new Set());

  if (issues.length > 0) throw new FlowValidationError(issues);
  return flow;
}

/** The path to the first object or array more than `max` levels down, or null; iterative, so any depth is safe. */
function firstTooDeep(root: unknown, max: number): Array<string | number> | null {
  const stack: Array<{ node: unknown; path: Array<string | number> }> = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (path.length >= max) return path;
    if (Array.isArray(node)) for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], path: [...path, i] });
    else for (const key of Object.keys(node).reverse()) stack.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
  }
  return null;
}

function isMissing(input: Record<string, unknown>, id: string): boolean {
  if (id in input) return input[id] === undefined || input[id] === null || input[id] === '';
  // Dotted ids may be given nested: {"delivery": {"address": {"city": …}}}.
  let node: unknown = input;
  for (const part of id.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return true;
    node = (node as Record<string, unknown>)[part];
  }
  return node === undefined || node === null || node === '';
}

function zodIssues(error: z.ZodError, raw: unknown): FlowIssue[] {
  return error.issues.map((issue) => ({ path: describePath(issue.path, raw), message: issue.message }));
}

/** `steps.1.input` → `steps[1] (deal).input`, naming the step by its id where it has one. */
function describePath(path: ReadonlyArray<PropertyKey>, raw: unknown): string {
  if (path.length === 0) return '(flow)';
  let out = '';
  let node: unknown = raw;
  for (const key of path) {
    if (typeof key === 'number') {
      const item = Array.isArray(node) ? node[key] : undefined;
      const id = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string' ? ` (${(item as { id: string }).id})` : '';
      out += `[${key}]${id}`;
      node = item;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out;
}

/** A dotted id with every numeric segment as 0: `items.3.offer.id` reads as the catalog's `items.0.offer.id`. */
function shapeOf(id: string): string {
  return id.replace(/(^|\.)\d+(?=\.|$)/g, '$10');
}

/**
 * An input key the action takes: a catalog id (any list index), a whole object or list above
 * catalog ids (`customer` for `customer.phone`), or a field inside one (`customFields.size`).
 */
function inputKeyKnown(key: string, fields: readonly FieldDef[]): boolean {
  const shape = shapeOf(key);
  return fields.some((f) => {
    const id = shapeOf(f.id);
    return id === shape || id.startsWith(`${shape}.`) || shape.startsWith(`${id}.`);
  });
}

function listIds(fields: readonly FieldDef[]): string {
  const ids = fields.map((f) => f.id);
  return ids.length > 20 ? `${ids.slice(0, 20).join(', ')}, … ${ids.length - 20} more` : ids.join(', ') || 'none';
}
