// The template language of step inputs: `{{ trigger.customer.phones.0.number | phone }}`.
// A template is parsed once (cached) into literal text and expressions; an expression is a path
// over the context (trigger, steps, flow, env, vars, execution) followed by pipe filters.
//
// Grammar of one `{{ … }}`:
//   path    := root ( '.' segment | '.'? '[' ( integer | string ) ']' )*
//   filters := ( '|' name ( ':' arg ( ',' arg )* )? )*
//   arg     := "…" | '…' (backslash escapes) | number
import { DATE_FORMATS, formatDate, parseWallClock, type WallClock } from './dates.ts';
import { isPlainObject } from '../lib/json.ts';

export type TemplateContext = Record<string, unknown>;

export class TemplateSyntaxError extends Error {
  /** Character offset in the template. */
  readonly position: number;
  /** The message without the " at position N" suffix. */
  readonly reason: string;
  constructor(reason: string, position: number) {
    super(`${reason} at position ${position}`);
    this.name = 'TemplateSyntaxError';
    this.position = position;
    this.reason = reason;
  }
}

export class TemplateRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateRuntimeError';
  }
}

export interface TemplateIssue {
  message: string;
  /** Character offset in the template. */
  position: number;
  /** The `{{ … }}` the issue is about (as written). */
  expression: string;
}

export interface TemplateCheckOptions {
  /** Ids of the steps before the one being checked. */
  stepIds: ReadonlySet<string>;
  /** false: the workspace may not use `env` (SVYAZKA_ENV_WORKSPACES); its references are issues. */
  envAllowed?: boolean;
  /** Names of the flow's value maps (`"@name"` in the map filter). */
  maps?: ReadonlySet<string>;
}

export const TEMPLATE_ROOTS = ['trigger', 'steps', 'flow', 'env', 'vars', 'execution'] as const;
const ROOTS: ReadonlySet<string> = new Set(TEMPLATE_ROOTS);

type FilterArg = string | number;

interface FilterDef {
  /** Allowed argument count, inclusive. */
  arity: readonly [min: number, max: number];
  /** Static check of the arguments (count already checked); an error message or null. */
  check?(args: readonly FilterArg[]): string | null;
  run(value: unknown, args: readonly FilterArg[], ctx: TemplateContext): unknown;
}

interface FilterCall {
  name: string;
  position: number;
  args: FilterArg[];
  def: FilterDef | undefined;
  /** Why this call cannot run (unknown filter, wrong arguments), found once at parse time. */
  problem: string | null;
}

interface Expression {
  /** The `{{ … }}` as written. */
  raw: string;
  /** Offset of `{{` in the template. */
  position: number;
  path: string[];
  /** Offset of each path segment. */
  pathPositions: number[];
  filters: FilterCall[];
}

interface Compiled {
  parts: Array<string | Expression>;
  /** Exactly one expression and nothing but whitespace around it: the value keeps its type. */
  single: Expression | null;
  errors: TemplateSyntaxError[];
  /** The `{{ … }}` text each error is about, same order as errors. */
  errorSources: string[];
}

const isBlank = (v: unknown) => v === undefined || v === null || v === '';

// ---------------------------------------------------------------------------------------------
// Filters

/** dates.ts does not range-check time fields (14:99 rolls over to 15:39); reject them here. */
function timeFieldsInRange(text: string): boolean {
  const m = /[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  return !m || (Number(m[1]) < 24 && Number(m[2]) < 60 && (m[3] === undefined || Number(m[3]) < 60));
}

function toWallClock(value: unknown): WallClock | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : { wall: value.getTime(), offset: 0 };
  if (typeof value === 'string' && !timeFieldsInRange(value.trim())) return undefined;
  return parseWallClock(value);
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** "1 234,50", "1234.5", "1,234.50", "1.234,50" → number; undefined when it is not one. */
function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  let text = value.replace(/[\s']/g, '');
  const comma = text.lastIndexOf(',');
  const dot = text.lastIndexOf('.');
  if (comma >= 0 && dot >= 0) {
    // Both separators: the last one is the decimal point, the other groups thousands.
    text = comma > dot ? text.replace(/\./g, '').replace(',', '.') : text.replace(/,/g, '');
  } else if (comma >= 0) {
    // A single comma is a decimal comma (1234,50); several group thousands (1,234,567).
    text = text.indexOf(',') === comma ? text.replace(',', '.') : text.replace(/,/g, '');
  }
  if (!NUMBER_TEXT.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A short rendering of a value for error messages. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const FILTERS: Record<string, FilterDef> = {
  date: {
    arity: [1, 1],
    check: (args) =>
      typeof args[0] === 'string' && (DATE_FORMATS as readonly string[]).includes(args[0])
        ? null
        : `unknown date format ${describe(args[0])} (known: ${DATE_FORMATS.join(', ')})`,
    run(value, args) {
      // A missing value stays missing, so `| date: "…" | default: "…"` works on optional fields.
      if (isBlank(value)) return value;
      const parsed = toWallClock(value);
      if (!parsed) {
        throw new TemplateRuntimeError(
          `${describe(value)} is not a date the date filter understands (ISO 8601, Y-m-d H:i:s, dd/mm/yyyy hh:mm:ss, dd.mm.yyyy or unix time)`,
        );
      }
      return formatDate(parsed, String(args[0]));
    },
  },
  phone: {
    arity: [0, 0],
    run(value) {
      if (isBlank(value)) return value;
      const digits = String(value).replace(/\D/g, '');
      if (digits.length === 11 && digits[0] === '8') return `7${digits.slice(1)}`;
      if (digits.length === 10) return `7${digits}`;
      return digits;
    },
  },
  number: {
    arity: [0, 0],
    run(value) {
      if (isBlank(value)) return value;
      const n = parseNumber(value);
      if (n === undefined) throw new TemplateRuntimeError(`${describe(value)} is not a number`);
      return n;
    },
  },
  default: {
    arity: [1, 1],
    run: (value, args) => (isBlank(value) ? args[0] : value),
  },
  lower: { arity: [0, 0], run: (value) => (typeof value === 'string' ? value.toLowerCase() : value) },
  upper: { arity: [0, 0], run: (value) => (typeof value === 'string' ? value.toUpperCase() : value) },
  trim: { arity: [0, 0], run: (value) => (typeof value === 'string' ? value.trim() : value) },
  join: {
    arity: [0, 1],
    run: (value, args) => (Array.isArray(value) ? value.map(stringify).join(args.length ? String(args[0]) : ', ') : value),
  },
  map: {
    // `| map: "complete=2, cancel=3", "1"` or `| map: "@ctStatus", "1"` (a map of the flow's `maps`);
    // the second argument is the value for anything not listed, else the input passes through.
    arity: [1, 2],
    check: (args) => (typeof args[0] !== 'string' ? 'the map must be a string: "from=to, …" or "@name"' : args[0].startsWith('@') ? null : inlineMapProblem(args[0])),
    run(value, args, ctx) {
      const table = String(args[0]).startsWith('@') ? flowMap(String(args[0]).slice(1), ctx) : parseInlineMap(String(args[0]));
      const key = stringify(value);
      if (Object.hasOwn(table, key)) return table[key];
      if (Object.hasOwn(table, key.trim())) return table[key.trim()];
      return args.length > 1 ? args[1] : value;
    },
  },
  json: {
    arity: [0, 1],
    // Optional indent: `| json: 2`.
    check: (args) => (args.length === 0 || typeof args[0] === 'number' ? null : 'the indent must be a number'),
    run: (value, args) => JSON.stringify(value ?? null, null, typeof args[0] === 'number' ? args[0] : undefined),
  },
};

export const FILTER_NAMES: readonly string[] = Object.keys(FILTERS);

/** `"complete=2, cancel=3"` → `{complete: "2", cancel: "3"}`: pairs split on commas, each at its first `=`. */
function parseInlineMap(text: string): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    table[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return table;
}

function inlineMapProblem(text: string): string | null {
  const bad = text.split(',').find((pair) => pair.trim() && pair.indexOf('=') < 1);
  return bad === undefined ? null : `map pair "${bad.trim()}" needs "from=to" (or name a flow map: "@name")`;
}

function flowMap(name: string, ctx: TemplateContext): Record<string, unknown> {
  const maps = (ctx.flow as { maps?: Record<string, Record<string, unknown>> } | undefined)?.maps ?? {};
  if (!Object.hasOwn(maps, name)) throw new TemplateRuntimeError(`unknown map "@${name}" (the flow's maps: ${Object.keys(maps).join(', ') || 'none'})`);
  return maps[name];
}

function filterProblem(name: string, args: readonly FilterArg[]): { def: FilterDef | undefined; problem: string | null } {
  const def = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
  if (!def) return { def, problem: `unknown filter "${name}" (known: ${FILTER_NAMES.join(', ')})` };
  const [min, max] = def.arity;
  if (args.length < min || args.length > max) {
    const count = min === max ? `${min}` : `${min} to ${max}`;
    return { def, problem: `filter "${name}" takes ${count} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}` };
  }
  const problem = def.check?.(args);
  return { def, problem: problem ? `filter "${name}": ${problem}` : null };
}

// ---------------------------------------------------------------------------------------------
// Parsing

const CACHE_LIMIT = 5000;
const cache = new Map<string, Compiled>();

function compile(template: string): Compiled {
  let compiled = cache.get(template);
  if (!compiled) {
    compiled = parseTemplate(template);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(template, compiled);
  }
  return compiled;
}

function parseTemplate(t: string): Compiled {
  const parts: Array<string | Expression> = [];
  const errors: TemplateSyntaxError[] = [];
  const errorSources: string[] = [];
  let i = 0;
  while (i < t.length) {
    const open = t.indexOf('{{', i);
    if (open < 0) {
      parts.push(t.slice(i));
      break;
    }
    if (open > i) parts.push(t.slice(i, open));
    const anyClose = t.indexOf('}}', open + 2);
    if (anyClose < 0) {
      errors.push(new TemplateSyntaxError('unterminated "{{" (missing "}}")', open));
      errorSources.push(t.slice(open));
      break;
    }
    try {
      const expr = parseExpression(t, open);
      parts.push(expr);
      i = open + expr.raw.length;
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      errors.push(error);
      errorSources.push(t.slice(open, anyClose + 2));
      // Carry on after the first "}}" so that later expressions are still checked.
      i = anyClose + 2;
    }
  }
  const expressions = parts.filter((p): p is Expression => typeof p !== 'string');
  const onlyWhitespace = parts.every((p) => typeof p !== 'string' || p.trim() === '');
  const single = errors.length === 0 && expressions.length === 1 && onlyWhitespace ? expressions[0] : null;
  return { parts, single, errors, errorSources };
}

const WS = /\s/;
const ROOT_RE = /[A-Za-z_$\u0400-\u04ff][\w$\u0400-\u04ff-]*/y;
const SEGMENT_RE = /[^\s.[\]|}]+/y;
const INDEX_RE = /\d+/y;
const FILTER_NAME_RE = /[A-Za-z_]\w*/y;
const NUMBER_ARG_RE = /-?(?:\d+(?:\.\d+)?|\.\d+)/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/** Parses the `{{ … }}` starting at `open`; `raw` ends after its `}}`. */
function parseExpression(t: string, open: number): Expression {
  let i = open + 2;
  const fail = (reason: string, at = i): never => {
    throw new TemplateSyntaxError(reason, at);
  };
  const skip = () => {
    while (i < t.length && WS.test(t[i])) i++;
  };
  const match = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(t);
    if (!m) return null;
    i = re.lastIndex;
    return m[0];
  };
  const readString = (): string => {
    const start = i;
    const quote = t[i++];
    let out = '';
    while (i < t.length && t[i] !== quote) {
      if (t[i] === '\\' && i + 1 < t.length) {
        i++;
        out += Object.hasOwn(ESCAPES, t[i]) ? ESCAPES[t[i]] : t[i];
        i++;
      } else out += t[i++];
    }
    if (i >= t.length) fail(`unterminated string (missing ${quote})`, start);
    i++;
    return out;
  };
  const atClose = () => t.startsWith('}}', i);

  skip();
  if (atClose()) fail('empty expression');
  const path: string[] = [];
  const pathPositions: number[] = [];
  pathPositions.push(i);
  const root = match(ROOT_RE);
  if (root === null) fail(`expected a path such as trigger.field, got "${t[i]}"`);
  path.push(root!);
  for (;;) {
    if (t[i] === '.' && t[i + 1] !== '[') {
      i++;
      pathPositions.push(i);
      const seg = match(SEGMENT_RE);
      if (seg === null) fail('expected a field name after "."');
      path.push(seg!);
    } else if (t[i] === '[' || (t[i] === '.' && t[i + 1] === '[')) {
      if (t[i] === '.') i++;
      i++;
      skip();
      pathPositions.push(i);
      if (t[i] === '"' || t[i] === "'") path.push(readString());
      else {
        const index = match(INDEX_RE);
        if (index === null) fail('expected an index or a quoted key inside [ ]');
        path.push(String(Number(index)));
      }
      skip();
      if (t[i] !== ']') fail('expected "]"');
      i++;
    } else break;
  }

  const filters: FilterCall[] = [];
  skip();
  while (!atClose()) {
    if (i >= t.length) fail('unterminated "{{" (missing "}}")', open);
    if (t[i] !== '|') fail(`unexpected "${t[i]}" (filters are written as "| name")`);
    i++;
    skip();
    const position = i;
    const name = match(FILTER_NAME_RE);
    if (name === null) fail('expected a filter name after "|"');
    const args: FilterArg[] = [];
    skip();
    if (t[i] === ':') {
      i++;
      for (;;) {
        skip();
        if (t[i] === '"' || t[i] === "'") args.push(readString());
        else {
          const num = match(NUMBER_ARG_RE);
          if (num === null) fail(`expected a quoted string or a number as argument of "${name}"`);
          args.push(Number(num));
        }
        skip();
        if (t[i] !== ',') break;
        i++;
      }
    }
    filters.push({ name: name!, position, args, ...filterProblem(name!, args) });
    skip();
  }
  i += 2;
  return { raw: t.slice(open, i), position: open, path, pathPositions, filters };
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Walks own properties only: `__proto__`, `constructor`, `length` resolve to undefined. */
function resolvePath(ctx: TemplateContext, path: readonly string[]): unknown {
  let node: unknown = ctx;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(key)) return undefined;
      node = node[Number(key)];
    } else {
      if (!Object.hasOwn(node, key)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
  }
  return node;
}

function evaluate(expr: Expression, ctx: TemplateContext): unknown {
  if (!ROOTS.has(expr.path[0])) {
    throw new TemplateRuntimeError(`${expr.raw}: unknown root "${expr.path[0]}" (use ${TEMPLATE_ROOTS.join(', ')})`);
  }
  if (expr.path[0] === 'vars') {
    // A missing variable is a mistake, not an empty value: fail the step, naming it.
    const vars = ctx.vars;
    const name = expr.path[1];
    if (name === undefined) throw new TemplateRuntimeError(`${expr.raw}: "vars" needs a variable name: vars.NAME`);
    if (vars === null || typeof vars !== 'object' || !Object.hasOwn(vars, name)) {
      throw new TemplateRuntimeError(`${expr.raw}: unknown variable "${name}" (add it in Settings → Variables or with \`svyazka var set\`)`);
    }
  }
  let value = resolvePath(ctx, expr.path);
  for (const call of expr.filters) {
    if (call.problem) throw new TemplateRuntimeError(`${expr.raw}: ${call.problem}`);
    try {
      value = call.def!.run(value, call.args, ctx);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TemplateRuntimeError(`${expr.raw}: ${message}`);
    }
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch (error) {
      // Data from outside (an API's answer) can be nested past what JSON.stringify's recursion takes.
      if (error instanceof RangeError) throw new TemplateRuntimeError('the value is nested too deeply to put into text');
      throw error;
    }
  }
  return String(value);
}

/**
 * How deep renderValue and checkValue walk a step's own value (its input, a `set` step's values).
 * Flow validation refuses deeper definitions (MAX_FLOW_DEPTH counts from the flow, so a
 * valid step's values are always shallower); this bound keeps the recursion safe regardless.
 */
export const MAX_VALUE_DEPTH = 64;

const tooDeepValue = () => new TemplateRuntimeError(`the value is nested deeper than ${MAX_VALUE_DEPTH} levels`);

/**
 * Renders a template. Exactly one `{{ … }}` (whitespace around allowed) returns the value with
 * its type; anything else returns a string. Throws TemplateSyntaxError / TemplateRuntimeError.
 */
export function renderTemplate(template: string, ctx: TemplateContext): unknown {
  if (!template.includes('{{')) return template;
  const compiled = compile(template);
  if (compiled.errors.length) throw compiled.errors[0];
  if (compiled.single) return evaluate(compiled.single, ctx);
  let out = '';
  for (const part of compiled.parts) out += typeof part === 'string' ? part : stringify(evaluate(part, ctx));
  return out;
}

/** Renders every string inside a value (plain objects and arrays are copied, keys unchanged). */
export function renderValue(value: unknown, ctx: TemplateContext, depth = 0): unknown {
  if (typeof value === 'string') return renderTemplate(value, ctx);
  if (depth >= MAX_VALUE_DEPTH && (Array.isArray(value) || isPlainObject(value))) throw tooDeepValue();
  if (Array.isArray(value)) return value.map((v) => renderValue(v, ctx, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    // Object.keys rather than entries: no [key, value] pair per property (every step, every run).
    for (const k of Object.keys(value)) {
      const v = renderValue(value[k], ctx, depth + 1);
      // A JSON "__proto__" key is data; plain assignment would set the prototype instead.
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Save-time checks

/** Static problems of a template: syntax, roots, step ids (only earlier steps), filters. */
export function checkTemplate(template: string, opts: TemplateCheckOptions): TemplateIssue[] {
  if (!template.includes('{{')) return [];
  const compiled = compile(template);
  const issues: TemplateIssue[] = compiled.errors.map((error, n) => ({
    message: error.reason,
    position: error.position,
    expression: compiled.errorSources[n],
  }));
  for (const part of compiled.parts) {
    if (typeof part === 'string') continue;
    const issue = (message: string, position: number) => issues.push({ message, position, expression: part.raw });
    const [root, stepId] = part.path;
    if (!ROOTS.has(root)) issue(`unknown root "${root}" (use ${TEMPLATE_ROOTS.join(', ')})`, part.pathPositions[0]);
    else if (root === 'vars' && stepId === undefined) issue('"vars" needs a variable name: vars.NAME', part.pathPositions[0]);
    else if (root === 'env' && opts.envAllowed === false) {
      const name = stepId ?? 'NAME';
      issue(`env is not available in this workspace (the operator allows it only for the workspaces in SVYAZKA_ENV_WORKSPACES): use {{vars.${name}}} — a workspace variable`, part.pathPositions[0]);
    } else if (root === 'steps') {
      if (stepId === undefined) issue('"steps" needs a step id: steps.<id>.<field>', part.pathPositions[0]);
      else if (!opts.stepIds.has(stepId)) {
        const known = opts.stepIds.size ? `: ${[...opts.stepIds].join(', ')}` : '; there are none before this step';
        issue(`unknown step id "${stepId}" (only earlier steps can be used${known})`, part.pathPositions[1]);
      }
    }
    for (const call of part.filters) {
      if (call.problem) issue(call.problem, call.position);
      else if (call.name === 'map' && opts.maps && String(call.args[0]).startsWith('@') && !opts.maps.has(String(call.args[0]).slice(1))) {
        issue(`unknown map "${String(call.args[0])}" (the flow's maps: ${[...opts.maps].join(', ') || 'none'})`, call.position);
      }
    }
  }
  return issues.sort((a, b) => a.position - b.position);
}

/** Checks every string in a value; `field` is the dotted key path of the string inside it ("" for a string value). */
export function checkValue(value: unknown, opts: TemplateCheckOptions): Array<TemplateIssue & { field: string }> {
  const out: Array<TemplateIssue & { field: string }> = [];
  const walk = (node: unknown, field: string, depth: number) => {
    if (typeof node === 'string') {
      for (const issue of checkTemplate(node, opts)) out.push({ ...issue, field });
      return;
    }
    const sub = (k: string) => (field ? `${field}.${k}` : k);
    if (depth >= MAX_VALUE_DEPTH && (Array.isArray(node) || isPlainObject(node))) {
      out.push({ message: tooDeepValue().message, position: 0, expression: '', field });
      return;
    }
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, sub(String(i)), depth + 1));
    else if (isPlainObject(node)) for (const [k, v] of Object.entries(node)) walk(v, sub(k), depth + 1);
  };
  walk(value, '', 0);
  return out;
}

/** The dotted paths a template references, in order of first use (unparseable expressions skipped). */
export function templateReferences(template: string): string[] {
  if (!template.includes('{{')) return [];
  const refs = new Set<string>();
  for (const part of compile(template).parts) if (typeof part !== 'string') refs.add(part.path.join('.'));
  return [...refs];
}
