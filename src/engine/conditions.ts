// Conditions of filter steps. Values from webhooks are mostly strings ("1500.00", "true"), so
// comparisons coerce the way a user would expect: numbers numerically, dates by time.
import safeRegex from 'safe-regex2';
import { parseDate } from './dates.ts';

export const CONDITION_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'in', 'exists', 'not_exists', 'regex'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

const OPS: ReadonlySet<string> = new Set(CONDITION_OPS);
const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

/** undefined, null, "" (and for exists/not_exists also []). */
const isNothing = (v: unknown) => v === undefined || v === null || v === '';
const isBlank = (v: unknown) => isNothing(v) || (Array.isArray(v) && v.length === 0);

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function equals(a: unknown, b: unknown): boolean {
  const na = isNothing(a);
  const nb = isNothing(b);
  if (na || nb) return na && nb;
  const numA = asNumber(a);
  const numB = asNumber(b);
  if (numA !== undefined && numB !== undefined) return numA === numB;
  if (typeof a === 'boolean' || typeof b === 'boolean') return asText(a).toLowerCase() === asText(b).toLowerCase();
  return asText(a) === asText(b);
}

/** -1, 0, 1: numbers if both are numeric, then dates if both parse as dates, then text. */
function compare(a: unknown, b: unknown): number {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return Math.sign(na - nb);
  const da = typeof a === 'string' ? parseDate(a) : undefined;
  const db = typeof b === 'string' ? parseDate(b) : undefined;
  if (da !== undefined && db !== undefined) return Math.sign(da - db);
  const ta = asText(a);
  const tb = asText(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function listOf(right: unknown): unknown[] {
  if (Array.isArray(right)) return right;
  if (typeof right === 'string') return right.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return [right];
}

type CompiledRegex = { re: RegExp; error: null } | { re: null; error: string };
const REGEX_CACHE_LIMIT = 1000;
const regexCache = new Map<string, CompiledRegex>();

/** `pattern` or `/pattern/flags`; g and y are dropped (they make test() stateful). Cached with its verdict. */
function compileRegex(pattern: string): CompiledRegex {
  let compiled = regexCache.get(pattern);
  if (!compiled) {
    try {
      const m = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
      const re = m ? new RegExp(m[1], m[2].replace(/[gy]/g, '')) : new RegExp(pattern);
      compiled = safeRegex(re)
        ? { re, error: null }
        : { re: null, error: `regular expression ${pattern} may take exponential time (nested quantifiers or too many repetitions) or cannot be analysed; simplify it` };
    } catch (error) {
      compiled = { re: null, error: `invalid regular expression: ${(error as Error).message}` };
    }
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(pattern, compiled);
  }
  return compiled;
}

/** Evaluates one condition; throws only for an unknown operator or a bad/unsafe regex. */
export function evaluateCondition(left: unknown, op: ConditionOp, right: unknown): boolean {
  switch (op) {
    case 'eq':
      return equals(left, right);
    case 'ne':
      return !equals(left, right);
    case 'gt':
      return !isNothing(left) && !isNothing(right) && compare(left, right) > 0;
    case 'gte':
      return !isNothing(left) && !isNothing(right) && compare(left, right) >= 0;
    case 'lt':
      return !isNothing(left) && !isNothing(right) && compare(left, right) < 0;
    case 'lte':
      return !isNothing(left) && !isNothing(right) && compare(left, right) <= 0;
    case 'contains':
      if (Array.isArray(left)) return left.some((item) => equals(item, right));
      return asText(left).includes(asText(right));
    case 'not_contains':
      return !evaluateCondition(left, 'contains', right);
    case 'starts_with':
      return asText(left).startsWith(asText(right));
    case 'in': {
      const list = listOf(right);
      // An array on the left is "in" when any of its items is.
      if (Array.isArray(left)) return left.some((l) => list.some((item) => equals(l, item)));
      return list.some((item) => equals(left, item));
    }
    case 'exists':
      return !isBlank(left);
    case 'not_exists':
      return isBlank(left);
    case 'regex': {
      const compiled = compileRegex(asText(right));
      if (compiled.error !== null) throw new Error(compiled.error);
      return compiled.re.test(asText(left));
    }
    default:
      throw new Error(`unknown condition operator "${String(op)}"`);
  }
}

/** Save-time check of a condition's operator and right side; an error message or null. */
export function checkConditionStatic(op: ConditionOp, right: unknown): string | null {
  if (!OPS.has(op)) return `unknown operator "${String(op)}" (known: ${CONDITION_OPS.join(', ')})`;
  if (op === 'exists' || op === 'not_exists') return null;
  if (right === undefined) return `operator "${op}" needs a "right" value`;
  if (op === 'in' && !Array.isArray(right) && typeof right !== 'string') return 'operator "in" needs an array or a comma-separated string';
  if (op === 'regex') {
    if (typeof right !== 'string' || right === '') return 'operator "regex" needs a pattern string';
    if (right.includes('{{')) return null; // a templated pattern is checked when it runs
    return compileRegex(right).error;
  }
  return null;
}
