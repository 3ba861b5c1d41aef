// The template language of step inputs: `{{ trigger.customer.phones.0.number | phone }}`.
// A template is parsed once (cached) into literal text and expressions; an expression is a path
// over the context (trigger, steps, flow, env, execution) followed by pipe filters.
import { DATE_FORMATS, formatDate, parseWallClock } from './dates.ts';

export type TemplateContext = Record<string, unknown>;

export class TemplateSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'TemplateSyntaxError';
    this.position = position;
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
  position: number;
  expression: string;
}

export interface TemplateCheckOptions {
  /** Ids of the steps before the one being checked. */
  stepIds: ReadonlySet<string>;
}

export const TEMPLATE_ROOTS = ['trigger', 'steps', 'flow', 'env', 'execution'] as const;

interface FilterCall {
  name: string;
  args: Array<string | number>;
}

interface Expression {
  source: string;
  position: number;
  path: string[];
  filters: FilterCall[];
}

interface Compiled {
  parts: Array<string | Expression>;
  /** Exactly one expression and nothing but whitespace around it: the value keeps its type. */
  single: Expression | null;
}

interface FilterDef {
  args: [min: number, max: number];
  check?(args: Array<string | number>): string | null;
  run(value: unknown, args: Array<string | number>): unknown;
}

const FILTERS: Record<string, FilterDef> = {
  date: {
    args: [1, 1],
    check: (args) => ((DATE_FORMATS as readonly string[]).includes(String(args[0])) ? null : `unknown date format "${args[0]}" (known: ${DATE_FORMATS.join(', ')})`),
    run(value, args) {
      if (value === undefined || value === null || value === '') return value;
      const parsed = parseWallClock(value);
      if (!parsed) throw new TemplateRuntimeError(`"${String(value)}" is not a date the date filter understands`);
      return formatDate(parsed, String(args[0]));
    },
  },
  phone: {
    args: [0, 0],
    run(value) {
      if (value === undefined || value === null || value === '') return value;
      const digits = String(value).replace(/\D/g, '');
      if (digits.length === 11 && digits[0] === '8') return `7${digits.slice(1)}`;
      if (digits.length === 10) return `7${digits}`;
      return digits;
    },
  },
  number: {
    args: [0, 0],
    run(value) {
      if (typeof value === 'number') return value;
      if (value === undefined || value === null || value === '') return value;
      const text = String(value).replace(/[\s\u00a0]/g, '').replace(',', '.');
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw new TemplateRuntimeError(`"${String(value)}" is not a number`);
      return n;
    },
  },
  default: {
    args: [1, 1],
    run: (value, args) => (value === undefined || value === null || value === '' ? args[0] : value),
  },
  lower: { args: [0, 0], run: (value) => (typeof value === 'string' ? value.toLowerCase() : value) },
  upper: { args: [0, 0], run: (value) => (typeof value === 'string' ? value.toUpperCase() : value) },
  trim: { args: [0, 0], run: (value) => (typeof value === 'string' ? value.trim() : value) },
  join: {
    args: [0, 1],
    run: (value, args) => (Array.isArray(value) ? value.map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v ?? ''))).join(args.length ? String(args[0]) : ', ') : value),
  },
  json: { args: [0, 0], run: (value) => JSON.stringify(value ?? null) },
};

export const FILTER_NAMES = Object.keys(FILTERS);

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 5000;

function compile(template: string): Compiled {
  let compiled = cache.get(template);
  if (!compiled) {
    compiled = parseTemplate(template);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(template, compiled);
  }
  return compiled;
}

function parseTemplate(template: string): Compiled {
  const parts: Array<string | Expression> = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      parts.push(template.slice(i));
      break;
    }
    if (open > i) parts.push(template.slice(i, open));
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateSyntaxError('unterminated "{{"', open);
    parts.push(parseExpression(template.slice(open + 2, close), open + 2));
    i = close + 2;
  }
  const expressions = parts.filter((p): p is Expression => typeof p !== 'string');
  const onlyWhitespace = parts.every((p) => typeof p !== 'string' || p.trim() === '');
  return { parts, single: expressions.length === 1 && onlyWhitespace ? expressions[0] : null };
}

/** A small scanner over one `{{ … }}` body. */
function parseExpression(body: string, offset: number): Expression {
  let i = 0;
  const source = body.trim();
  const skip = () => {
    while (i < body.length && /\s/.test(body[i])) i++;
  };
  const fail = (message: string): never => {
    throw new TemplateSyntaxError(message, offset + i);
  };
  const readString = (): string => {
    const quote = body[i++];
    let out = '';
    while (i < body.length && body[i] !== quote) {
      if (body[i] === '\\' && i + 1 < body.length) i++;
      out += body[i++];
    }
    if (body[i] !== quote) fail('unterminated string');
    i++;
    return out;
  };

  skip();
  const path: string[] = [];
  const ident = /[A-Za-z_$\u0400-\u04ff][\w$\u0400-\u04ff-]*/y;
  ident.lastIndex = i;
  const root = ident.exec(body);
  if (!root) fail(source ? `expected a path such as trigger.field, got "${source}"` : 'empty expression');
  path.push(root![0]);
  i = ident.lastIndex;
  for (;;) {
    if (body[i] === '.') {
      i++;
      const seg = /[^.\[\]\s|}]+/y;
      seg.lastIndex = i;
      const m = seg.exec(body);
      if (!m) fail('expected a field name after "."');
      path.push(m![0]);
      i = seg.lastIndex;
    } else if (body[i] === '[') {
      i++;
      skip();
      if (body[i] === '"' || body[i] === "'") path.push(readString());
      else {
        const num = /\d+/y;
        num.lastIndex = i;
        const m = num.exec(body);
        if (!m) fail('expected an index or a quoted key inside [ ]');
        path.push(m![0]);
        i = num.lastIndex;
      }
      skip();
      if (body[i] !== ']') fail('expected "]"');
      i++;
    } else break;
  }

  const filters: FilterCall[] = [];
  skip();
  while (i < body.length) {
    if (body[i] !== '|') fail(`unexpected "${body[i]}"`);
    i++;
    skip();
    const name = /[A-Za-z_]\w*/y;
    name.lastIndex = i;
    const m = name.exec(body);
    if (!m) fail('expected a filter name after "|"');
    i = name.lastIndex;
    const call: FilterCall = { name: m![0], args: [] };
    skip();
    if (body[i] === ':') {
      i++;
      for (;;) {
        skip();
        if (body[i] === '"' || body[i] === "'") call.args.push(readString());
        else {
          const num = /-?\d+(\.\d+)?/y;
          num.lastIndex = i;
          const n = num.exec(body);
          if (!n) fail(`expected a quoted string or a number as argument of "${call.name}"`);
          call.args.push(Number(n![0]));
          i = num.lastIndex;
        }
        skip();
        if (body[i] !== ',') break;
        i++;
      }
    }
    filters.push(call);
    skip();
  }
  return { source, position: offset, path, filters };
}

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
  let value = resolvePath(ctx, expr.path);
  for (const call of expr.filters) {
    const filter = FILTERS[call.name];
    if (!filter) throw new TemplateRuntimeError(`unknown filter "${call.name}"`);
    try {
      value = filter.run(value, call.args);
    } catch (error) {
      if (error instanceof TemplateRuntimeError) throw new TemplateRuntimeError(`{{${expr.source}}}: ${error.message}`);
      throw error;
    }
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function renderTemplate(template: string, ctx: TemplateContext): unknown {
  if (!template.includes('{{')) return template;
  const compiled = compile(template);
  if (compiled.single) return evaluate(compiled.single, ctx);
  let out = '';
  for (const part of compiled.parts) out += typeof part === 'string' ? part : stringify(evaluate(part, ctx));
  return out;
}

/** Renders every string inside a value (objects and arrays are copied, keys unchanged). */
export function renderValue(value: unknown, ctx: TemplateContext): unknown {
  if (typeof value === 'string') return renderTemplate(value, ctx);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, ctx));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, ctx);
    return out;
  }
  return value;
}

export function checkTemplate(template: string, opts: TemplateCheckOptions): TemplateIssue[] {
  if (!template.includes('{{')) return [];
  let compiled: Compiled;
  try {
    compiled = compile(template);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return [{ message: error.message.replace(/ at position \d+$/, ''), position: error.position, expression: template }];
    throw error;
  }
  const issues: TemplateIssue[] = [];
  for (const part of compiled.parts) {
    if (typeof part === 'string') continue;
    const issue = (message: string) => issues.push({ message, position: part.position, expression: `{{${part.source}}}` });
    const [root, second] = part.path;
    if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) issue(`unknown root "${root}" (use ${TEMPLATE_ROOTS.join(', ')})`);
    else if (root === 'steps') {
      if (second === undefined) issue('"steps" needs a step id: steps.<id>.<field>');
      else if (!opts.stepIds.has(second)) issue(`unknown step id "${second}" (only earlier steps can be used${opts.stepIds.size ? `: ${[...opts.stepIds].join(', ')}` : ''})`);
    }
    for (const call of part.filters) {
      const filter = FILTERS[call.name];
      if (!filter) {
        issue(`unknown filter "${call.name}" (known: ${FILTER_NAMES.join(', ')})`);
        continue;
      }
      const [min, max] = filter.args;
      if (call.args.length < min || call.args.length > max) {
        issue(`filter "${call.name}" takes ${min === max ? min : `${min}–${max}`} argument${max === 1 ? '' : 's'}, got ${call.args.length}`);
        continue;
      }
      const problem = filter.check?.(call.args);
      if (problem) issue(`filter "${call.name}": ${problem}`);
    }
  }
  return issues;
}

/** Checks every string in a value; `field` is the dotted key path of the string inside it. */
export function checkValue(value: unknown, opts: TemplateCheckOptions, field = ''): Array<TemplateIssue & { field: string }> {
  if (typeof value === 'string') return checkTemplate(value, opts).map((i) => ({ ...i, field }));
  const join = (k: string) => (field ? `${field}.${k}` : k);
  if (Array.isArray(value)) return value.flatMap((v, i) => checkValue(v, opts, join(String(i))));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => checkValue(v, opts, join(k)));
  return [];
}

export function templateReferences(template: string): string[] {
  if (!template.includes('{{')) return [];
  return compile(template).parts.filter((p): p is Expression => typeof p !== 'string').map((e) => e.path.join('.'));
}
