// Parses the raw body of an incoming webhook by its content type: JSON, form-urlencoded with
// bracketed keys (RetailCRM and Calltouch send these), or text. Hostile input — bad bytes,
// deep nesting, huge arrays, prototype keys — becomes a BodyError with a 4xx status.
import qs from 'qs';

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

function parseForm(text: string, limits: BodyLimits): Record<string, unknown> {
  // Check raw keys first: qs silently drops prototype keys, and users should hear why.
  let pairs = 0;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    if (++pairs > limits.maxKeys) throw new BodyError(400, 'too_many_keys', `Body has more than ${limits.maxKeys} fields`);
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = safeDecode(rawKey.replace(/\+/g, ' '));
    const parts = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    if (parts.length > limits.maxDepth) throw new BodyError(400, 'too_deep', `Field "${key.slice(0, 80)}…" is nested deeper than ${limits.maxDepth} levels`);
    for (const part of parts) {
      if (FORBIDDEN_KEYS.has(part)) throw new BodyError(400, 'forbidden_key', `Body has the forbidden key "${part}"`);
    }
  }
  const value = qs.parse(text, {
    depth: limits.maxDepth,
    strictDepth: true,
    arrayLimit: limits.maxArrayLength,
    parameterLimit: limits.maxKeys,
    allowPrototypes: false,
    plainObjects: false,
    decoder: (str) => safeDecode(str.replace(/\+/g, ' ')),
  }) as Record<string, unknown>;
  checkTree(value, limits);
  return value;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
