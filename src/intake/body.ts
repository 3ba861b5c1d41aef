// Parses the raw body of an incoming webhook by its content type: JSON, form-urlencoded with
// bracketed keys (RetailCRM and Calltouch send these), or text. Hostile input — bad bytes,
// deep nesting, huge arrays, prototype keys — becomes a BodyError with a 4xx status.

export type BodyKind = 'json' | 'form' | 'text' | 'empty';

export interface ParsedBody {
  kind: BodyKind;
  body: unknown;
}

export class BodyError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = 'BodyError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

export interface BodyLimits {
  maxDepth: number;
  maxArrayLength: number;
  maxKeys: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxDepth: 32, maxArrayLength: 10_000, maxKeys: 20_000 };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1251 = new TextDecoder('windows-1251');

export function parseWebhookBody(raw: Buffer, contentType: string | undefined, limits: BodyLimits = DEFAULT_BODY_LIMITS): ParsedBody {
  if (raw.length === 0) return { kind: 'empty', body: {} };
  const { mime, charset } = splitContentType(contentType);
  if (mime === '') return guess(raw, charset, limits);
  if (mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json')) return { kind: 'json', body: parseJsonText(decode(raw, charset), limits) };
  if (mime === 'application/x-www-form-urlencoded') return { kind: 'form', body: parseForm(decode(raw, charset), limits) };
  if (mime.startsWith('text/')) return { kind: 'text', body: { text: decode(raw, charset) } };
  throw new BodyError(
    415,
    'unsupported_content_type',
    `Unsupported content type "${mime}": send application/json, application/x-www-form-urlencoded or text/plain`,
  );
}

/**
 * Query parameters merged into the body, deeply: on a conflict the body's value wins. A body that
 * is not an object (an array, a scalar) is kept under `body` beside the query parameters.
 */
export function mergeQuery(body: unknown, query: Record<string, unknown>): unknown {
  if (Object.keys(query).length === 0) return body;
  if (!isObject(body)) return { ...query, body };
  return mergeDeep(query, body);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergeDeep(under: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = isObject(below) && isObject(value) ? mergeDeep(below, value) : value;
  }
  return out;
}

export function parseQueryString(search: string, limits: BodyLimits = DEFAULT_BODY_LIMITS): Record<string, unknown> {
  if (!search) return {};
  return parseForm(search, limits);
}

function splitContentType(contentType: string | undefined): { mime: string; charset: string | undefined } {
  if (!contentType) return { mime: '', charset: undefined };
  const [mime, ...params] = contentType.split(';');
  let charset: string | undefined;
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === 'charset' && v) charset = v.trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return { mime: mime.trim().toLowerCase(), charset };
}

function decode(raw: Buffer, charset: string | undefined): string {
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii' || charset === 'ascii') {
    try {
      return utf8.decode(raw);
    } catch {
      throw new BodyError(400, 'invalid_utf8', 'Body is not valid UTF-8 (declare charset=windows-1251 if it is)');
    }
  }
  if (charset === 'windows-1251' || charset === 'cp1251') return cp1251.decode(raw);
  throw new BodyError(415, 'unsupported_charset', `Unsupported charset "${charset}": send UTF-8 or windows-1251`);
}

function guess(raw: Buffer, charset: string | undefined, limits: BodyLimits): ParsedBody {
  const text = decode(raw, charset);
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') return { kind: 'json', body: parseJsonText(text, limits) };
  if (/^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(text.trim())) return { kind: 'form', body: parseForm(text, limits) };
  return { kind: 'text', body: { text } };
}

function parseJsonText(text: string, limits: BodyLimits): unknown {
  // Cheap pre-check so a 1 MiB "[[[[…" never reaches the recursive parser.
  checkBracketDepth(text, limits.maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, 'invalid_json', `Body is not valid JSON: ${(error as Error).message}`);
  }
  checkTree(value, limits);
  return value;
}

function checkBracketDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) throw new BodyError(400, 'too_deep', `Body is nested deeper than ${maxDepth} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
}

/** Depth, array length, key count and forbidden keys, over the parsed value. */
function checkTree(root: unknown, limits: BodyLimits): void {
  let keys = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limits.maxDepth) throw new BodyError(400, 'too_deep', `Body is nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(node)) {
      if (node.length > limits.maxArrayLength) {
        throw new BodyError(400, 'array_too_large', `Body has an array of ${node.length} items; the limit is ${limits.maxArrayLength}`);
      }
      for (const item of node) if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) throw new BodyError(400, 'forbidden_key', `Body has the forbidden key "${key}"`);
      if (++keys > limits.maxKeys) throw new BodyError(400, 'too_many_keys', `Body has more than ${limits.maxKeys} keys`);
      const value = (node as Record<string, unknown>)[key];
      if (value !== null && typeof value === 'object') stack.push([value, depth + 1]);
    }
  }
}

/**
 * `application/x-www-form-urlencoded` with bracketed keys, in one pass: `order[items][0][id]=5`
 * → {order: {items: [{id: "5"}]}}; `a[]=1&a[]=2` and `a=1&a=2` → arrays; numeric keys make
 * arrays (sparse indices compacted in order, as PHP's and qs's parsers do); values stay strings.
 */
function parseForm(text: string, limits: BodyLimits): Record<string, unknown> {
  const root: Tree = Object.create(null);
  let fields = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      if (++fields > limits.maxKeys) throw new BodyError(400, 'too_many_keys', `Body has more than ${limits.maxKeys} fields`);
      const eq = text.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      const key = decodeComponent(text.slice(start, hasValue ? eq : end));
      const value = hasValue ? decodeComponent(text.slice(eq + 1, end)) : '';
      assign(root, splitKey(key, limits), value, limits);
    }
    start = end + 1;
  }
  return finish(root, limits) as Record<string, unknown>;
}

type Tree = { [key: string]: string | string[] | Tree };

function splitKey(key: string, limits: BodyLimits): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [checkKey(key)];
  const parts = [checkKey(key.slice(0, open))];
  let i = open;
  while (i < key.length) {
    if (key[i] !== '[') return [checkKey(key)]; // "a[b]c]": not bracket syntax, keep the key whole
    const close = key.indexOf(']', i);
    parts.push(checkKey(key.slice(i + 1, close)));
    if (parts.length > limits.maxDepth) throw new BodyError(400, 'too_deep', `Field "${key.slice(0, 80)}" is nested deeper than ${limits.maxDepth} levels`);
    i = close + 1;
  }
  return parts;
}

function checkKey(part: string): string {
  if (FORBIDDEN_KEYS.has(part)) throw new BodyError(400, 'forbidden_key', `Body has the forbidden key "${part}"`);
  return part;
}

function assign(root: Tree, path: string[], value: string, limits: BodyLimits): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    // "a[]" in the middle of a path ("a[][b]") appends a new element.
    const key = path[i] === '' ? String(Object.keys(node).length) : path[i];
    const next = node[key];
    if (next === undefined || typeof next === 'string' || Array.isArray(next)) node = node[key] = Object.create(null) as Tree;
    else node = next;
  }
  const last = path[path.length - 1];
  const key = last === '' ? String(Object.keys(node).length) : last;
  const existing = node[key];
  if (existing === undefined || (typeof existing === 'object' && !Array.isArray(existing))) node[key] = value;
  else if (Array.isArray(existing)) {
    if (existing.length >= limits.maxArrayLength) throw new BodyError(400, 'array_too_large', `Field "${key}" repeats more than ${limits.maxArrayLength} times`);
    existing.push(value);
  } else node[key] = [existing, value];
}

/** Null-prototype build tree → plain objects and arrays. */
function finish(node: string | string[] | Tree, limits: BodyLimits): unknown {
  if (typeof node === 'string' || Array.isArray(node)) return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d{1,9}$/.test(k))) {
    if (keys.length > limits.maxArrayLength) throw new BodyError(400, 'array_too_large', `Body has an array of ${keys.length} items; the limit is ${limits.maxArrayLength}`);
    return keys.map(Number).sort((a, b) => a - b).map((k) => finish(node[String(k)], limits));
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = finish(node[k], limits);
  return out;
}

function decodeComponent(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  return plus.includes('%') ? safeDecode(plus) : plus;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
