// Parses the raw body of an incoming webhook (GET|POST|PUT /hooks/{token}) by its content type:
// JSON, form-urlencoded with bracketed keys (RetailCRM and Calltouch send these), or text. Hostile
// input (bad bytes, deep nesting, huge arrays, prototype keys) becomes a BodyError with a 4xx
// status instead of a crash, a polluted prototype or a stalled event loop.
//
// Hot path (thousands of ~1.5 KB bodies a second), so: no regular expressions per field, no
// per-node tuples, one pass over form text, JSON checked by a bounded recursive walk.
//
// The same three keys are refused in every body kind and in the query string: `__proto__`,
// `constructor`, `prototype`, as an exact key at any depth (the check is on decoded keys, so
// `%5F%5Fproto%5F%5F` is caught too). Pollution is also impossible by construction: JSON.parse
// defines "__proto__" as an own property, the form builder collects fields in Maps and only
// writes checked keys into the plain objects it returns, and mergeQuery skips these keys. The
// refusal keeps such keys away from flows (templates, `{...spread}`, lodash-style merges).
import { isForbiddenKey as isForbidden } from '../lib/merge-query.ts';

// Intake's callers merge the query in with the parsed body; the merge itself is neutral (lib/).
export { mergeQuery } from '../lib/merge-query.ts';

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
  /** Containers (objects/arrays) nested in one another, the root included: `{"a":{}}` is 2. */
  maxDepth: number;
  /** Items in any single array. */
  maxArrayLength: number;
  /** Object keys in the whole body; for forms, also the number of `name=value` fields. */
  maxKeys: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = Object.freeze({ maxDepth: 32, maxArrayLength: 10_000, maxKeys: 20_000 });

const ACCEPTED_TYPES = 'application/json (or text/json, application/*+json), application/x-www-form-urlencoded or text/plain (any text/*)';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const cp1251Decoder = new TextDecoder('windows-1251');

type Charset = 'utf-8' | 'windows-1251';

export function parseWebhookBody(raw: Buffer, contentType: string | undefined, limits: BodyLimits = DEFAULT_BODY_LIMITS): ParsedBody {
  if (raw.length === 0) return { kind: 'empty', body: {} };
  const semi = contentType === undefined ? -1 : contentType.indexOf(';');
  const mime = contentType === undefined ? '' : (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  // Only types we would actually parse get their charset looked at: an unsupported type is a 415
  // about the type, not about its charset.
  if (mime === 'application/json' || mime === 'text/json' || (mime.startsWith('application/') && mime.endsWith('+json'))) {
    return { kind: 'json', body: parseJson(decodeText(raw, charsetOf(contentType!, semi)), limits) };
  }
  if (mime === 'application/x-www-form-urlencoded') {
    return { kind: 'form', body: parseFormBytes(raw, charsetOf(contentType!, semi), limits) };
  }
  if (mime.startsWith('text/')) return { kind: 'text', body: { text: decodeText(raw, charsetOf(contentType!, semi)) } };
  if (mime === '') return guess(raw, contentType === undefined ? 'utf-8' : charsetOf(contentType, semi), limits);
  throw new BodyError(415, 'unsupported_content_type', `Content type "${truncate(mime, 100)}" is not supported; send ${ACCEPTED_TYPES}.`);
}

/** A query string without its leading `?`, with the same bracket rules and limits as form bodies. */
export function parseQueryString(search: string, limits: BodyLimits = DEFAULT_BODY_LIMITS): Record<string, unknown> {
  if (search.length > 0 && search.charCodeAt(0) === 63 /* ? */) search = search.slice(1);
  if (search.length === 0) return {};
  return parseForm(search, decodeUtf8Component, limits);
}

// ---------------------------------------------------------------------------------------------
// Content type, charset, text

function charsetOf(contentType: string, semi: number): Charset {
  if (semi < 0) return 'utf-8';
  let charset: string | undefined;
  for (const param of contentType.slice(semi + 1).split(';')) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    charset = param.slice(eq + 1).trim().toLowerCase();
    if (charset.length >= 2 && charset.startsWith('"') && charset.endsWith('"')) charset = charset.slice(1, -1).trim();
  }
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii' || charset === 'ascii') return 'utf-8';
  if (charset === 'windows-1251' || charset === 'cp1251' || charset === 'x-cp1251') return 'windows-1251';
  throw new BodyError(415, 'unsupported_charset', `Charset "${charset}" is not supported; send UTF-8 (or windows-1251).`);
}

/** The body as a string; a UTF-8 (or US-ASCII) body must be valid UTF-8. A BOM is dropped. */
function decodeText(raw: Buffer, charset: Charset): string {
  if (charset === 'windows-1251') return cp1251Decoder.decode(raw);
  try {
    return utf8Decoder.decode(raw);
  } catch {
    throw new BodyError(400, 'invalid_utf8', 'Body is not valid UTF-8; declare "charset=windows-1251" in the Content-Type if that is its encoding.');
  }
}

/**
 * No Content-Type: a body starting with `{` or `[` is tried as JSON (a syntax error then means it
 * was text after all, but a JSON body over the limits or with a forbidden key is still refused);
 * one shaped like `k=v(&k=v)*` is a form; anything else is text.
 */
function guess(raw: Buffer, charset: Charset, limits: BodyLimits): ParsedBody {
  const text = decodeText(raw, charset);
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  const first = text.charCodeAt(i);
  if (first === 123 /* { */ || first === 91 /* [ */) {
    try {
      return { kind: 'json', body: parseJson(text, limits) };
    } catch (error) {
      if (!(error instanceof BodyError) || error.code !== 'invalid_json') throw error;
      return { kind: 'text', body: { text } };
    }
  }
  const formEnd = formLength(text);
  if (formEnd > 0) {
    // Trailing whitespace (`curl -d @file` leaves a newline) is not part of the last value. A
    // windows-1251 text has one char per byte, so the same length cuts the bytes.
    return {
      kind: 'form',
      body: charset === 'utf-8' ? parseForm(text.slice(0, formEnd), decodeUtf8Component, limits) : parseFormBytes(raw.subarray(0, formEnd), charset, limits),
    };
  }
  return { kind: 'text', body: { text } };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * The length of `text` without trailing whitespace if that is `k=v(&k=v)*` (k non-empty without
 * `=`, `&` or whitespace; v without `&` or whitespace, which form encoding never has), else 0.
 */
function formLength(text: string): number {
  let end = text.length;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  let i = 0;
  while (i < end) {
    const keyStart = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 61 /* = */ || c === 38 /* & */ || isSpace(c)) break;
      i++;
    }
    if (i === keyStart || i === end || text.charCodeAt(i) !== 61) return 0;
    i++;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 38) break;
      if (isSpace(c)) return 0;
      i++;
    }
    if (i < end) {
      i++; // the '&'
      if (i === end) return 0;
    }
  }
  return end;
}

// ---------------------------------------------------------------------------------------------
// JSON

function parseJson(text: string, limits: BodyLimits): unknown {
  // JSON.parse copes with deep input, but 1 MiB of "[[[[" costs it ~0.5 s and 1M arrays; a scan
  // of the text is ~1 µs per KiB, so deep bodies are refused before they are built.
  checkNesting(text, limits.maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    throw new BodyError(400, 'invalid_json', `Body is not valid JSON: ${reason}${reason.endsWith('.') ? '' : '.'}`);
  }
  if (value !== null && typeof value === 'object') checkJsonValue(value, 0, limits, { keys: 0 });
  return value;
}

function tooDeep(limits: BodyLimits | number): BodyError {
  const max = typeof limits === 'number' ? limits : limits.maxDepth;
  return new BodyError(400, 'too_deep', `Body is nested deeper than ${max} levels.`);
}

/** Bracket depth outside strings; only an upper bound check, the real one is checkJsonValue. */
function checkNesting(text: string, maxDepth: number): void {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string: find the closing quote not escaped by an odd run of backslashes.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === 92 /* \ */) i++;
        else if (s === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > maxDepth) throw tooDeep(maxDepth);
    } else if (c === 125 || c === 93) depth--;
  }
}

/** Depth, array lengths, total keys and forbidden keys of a parsed value; recursion is bounded by maxDepth. */
function checkJsonValue(node: object, depth: number, limits: BodyLimits, state: { keys: number }): void {
  if (depth >= limits.maxDepth) throw tooDeep(limits);
  if (Array.isArray(node)) {
    if (node.length > limits.maxArrayLength) throw arrayTooLarge(node.length, limits);
    for (let i = 0; i < node.length; i++) {
      const item: unknown = node[i];
      if (item !== null && typeof item === 'object') checkJsonValue(item, depth + 1, limits, state);
    }
    return;
  }
  // for-in is twice as fast as Object.keys here; JSON.parse objects have only own enumerable keys
  // (an own "__proto__" included).
  for (const key in node) {
    if (++state.keys > limits.maxKeys) throw tooManyKeys(limits);
    if (isForbidden(key)) throw forbiddenKey(key);
    const value: unknown = (node as Record<string, unknown>)[key];
    if (value !== null && typeof value === 'object') checkJsonValue(value, depth + 1, limits, state);
  }
}

function arrayTooLarge(length: number | string, limits: BodyLimits): BodyError {
  return new BodyError(400, 'array_too_large', `Body has an array of ${length} items; the limit is ${limits.maxArrayLength}.`);
}

function tooManyKeys(limits: BodyLimits): BodyError {
  return new BodyError(400, 'too_many_keys', `Body has more than ${limits.maxKeys} keys.`);
}

function forbiddenKey(key: string): BodyError {
  return new BodyError(400, 'forbidden_key', `Body has the forbidden key "${key}" (__proto__, constructor and prototype are refused).`);
}

// ---------------------------------------------------------------------------------------------
// application/x-www-form-urlencoded (and query strings)
//
// `order[customer][phones][0][number]=7900&order[id]=5` → {order: {customer: {phones: [{number:
// "7900"}]}, id: "5"}}. Rules, close to PHP's and qs's:
// - `+` is a space, %XX is percent-decoding (UTF-8); a broken %-sequence stays as it was written.
//   Keys are decoded before their brackets are read, so `a%5Bb%5D=1` is `a[b]=1`.
// - A key is bracketed only if it is `name[seg]...[seg]` exactly (name non-empty, nothing after the
//   last `]`); otherwise (`a[b`, `a[b]c`, `[a]`) the whole key is one literal name.
// - `[]` appends; so does repeating a key (`a=1&a=2` → ["1","2"]). More generally, a value never
//   replaces another: writing where a value already is appends to it (`a=1&a[b]=2` →
//   {"0":"1","b":"2"}), so nothing a sender wrote is dropped.
// - A container whose keys are all array indices (0, 1, … no leading zeros) not above
//   maxArrayLength is an array, compacted in index order (`x[5]=a&x[2]=b` → ["b","a"]); a larger
//   index (`x[99999]`) leaves it an object with that key (qs's rule, so `x[4294967295]` cannot
//   ask for a huge array). The top level is always an object.
// - Values stay strings; a JSON string in a field (RetailCRM's `order={"id":5}`) is not parsed.
// - A field with an empty name (`=x`, `&&`) is ignored.

/** A container under construction. A Map, so keys like `__proto__` or `hasOwnProperty` are inert. */
class Branch {
  readonly map = new Map<string, Slot>();
  /** The index an append (`a[]`, a repeated key) takes: one past the largest array index seen. */
  next = 0;
  /** Every key so far is an array index ≤ maxArrayLength. */
  listLike = true;
  /** …and they were added in ascending order, so no sort is needed to build the array. */
  ascending = true;
}
type Slot = string | Branch;

function parseFormBytes(raw: Buffer, charset: Charset, limits: BodyLimits): Record<string, unknown> {
  if (charset === 'utf-8') return parseForm(decodeText(raw, charset), decodeUtf8Component, limits);
  // windows-1251: structure (`&`, `=`, `[`, `]`, `%`, `+`) is ASCII, so it is read on the bytes
  // seen as latin1, and each field is percent-decoded to bytes which then decode as windows-1251
  // (legacy senders percent-encode windows-1251 bytes: `%C8%F0%E8%ED%E0` is "Ирина").
  return parseForm(raw.toString('latin1'), decodeCp1251Component, limits);
}

function parseForm(text: string, decode: (s: string) => string, limits: BodyLimits): Record<string, unknown> {
  const root = new Branch();
  let fields = 0;
  let start = 0;
  const n = text.length;
  // The next '=' at or after `start`, remembered so that many fields without one ("a&a&a…=1")
  // do not each scan to the far '=': the whole pass stays linear.
  let nextEq = -1;
  while (start < n) {
    let end = text.indexOf('&', start);
    if (end < 0) end = n;
    if (end > start) {
      if (++fields > limits.maxKeys) throw new BodyError(400, 'too_many_keys', `Body has more than ${limits.maxKeys} fields.`);
      if (nextEq < start) {
        nextEq = text.indexOf('=', start);
        if (nextEq < 0) nextEq = n;
      }
      const eq = nextEq < end ? nextEq : end;
      if (eq > start) assign(root, text.slice(start, eq), eq < end ? decode(text.slice(eq + 1, end)) : '', decode, limits);
    }
    start = end + 1;
  }
  return finishObject(root, limits, { keys: 0 });
}

/** Stores one field; `rawKey` is still percent-encoded (its brackets may be `%5B`/`%5D`). */
function assign(root: Branch, rawKey: string, value: string, decode: (s: string) => string, limits: BodyLimits): void {
  const parts = splitKey(rawKey, decode, limits);
  if (parts === null) {
    setLeaf(root, checkedKey(decode(rawKey)), value, limits);
    return;
  }
  let node = root;
  const last = parts.length - 1;
  for (let p = 0; p < last; p++) {
    const part = parts[p];
    if (part === '') {
      const child = new Branch();
      put(node, appendKey(node, limits), child, limits);
      node = child;
      continue;
    }
    const existing = node.map.get(part);
    if (existing === undefined) {
      const child = new Branch();
      put(node, part, child, limits);
      node = child;
    } else if (typeof existing === 'string') {
      // `a=1&a[b]=2`: the value already there becomes item 0 of the container.
      const child = new Branch();
      put(child, '0', existing, limits);
      node.map.set(part, child);
      node = child;
    } else node = existing;
  }
  const leaf = parts[last];
  if (leaf === '') put(node, appendKey(node, limits), value, limits);
  else setLeaf(node, leaf, value, limits);
}

/**
 * `name[seg]…[seg]` → [name, seg, …], each part decoded and checked; null when the key is not in
 * that shape (then it is one literal name). Brackets are found on the still-encoded key (`[` or
 * `%5B`, `]` or `%5D`), which gives what decoding first would, without building the decoded key:
 * most parts then need no decoding at all.
 */
function splitKey(raw: string, decode: (s: string) => string, limits: BodyLimits): string[] | null {
  const n = raw.length;
  if (!(raw.charCodeAt(n - 1) === 93 || (n >= 3 && closeAt(raw, n - 3) === 3))) return null;
  let i = 0;
  let width = 0;
  for (; i < n; i++) if ((width = openAt(raw, i)) > 0) break;
  if (i === 0 || i === n) return null;
  const parts = [checkedKey(decode(raw.slice(0, i)))];
  i += width;
  for (;;) {
    let j = i;
    for (; j < n; j++) if ((width = closeAt(raw, j)) > 0) break;
    if (j === n) return null; // "a[b" never closed
    parts.push(checkedKey(decode(raw.slice(i, j))));
    if (parts.length > limits.maxDepth) {
      throw new BodyError(400, 'too_deep', `Field "${truncate(decode(raw), 60)}" is nested deeper than ${limits.maxDepth} levels.`);
    }
    i = j + width;
    if (i >= n) return parts;
    if ((width = openAt(raw, i)) === 0) return null; // "a[b]c[d]": text between brackets
    i += width;
  }
}

/** Width of an opening bracket at `s[i]`: 1 for `[`, 3 for `%5B`/`%5b`, else 0. */
function openAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 91) return 1;
  return c === 37 && s.charCodeAt(i + 1) === 53 && (s.charCodeAt(i + 2) | 32) === 98 ? 3 : 0;
}

/** Width of a closing bracket at `s[i]`: 1 for `]`, 3 for `%5D`/`%5d`, else 0. */
function closeAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 93) return 1;
  return c === 37 && s.charCodeAt(i + 1) === 53 && (s.charCodeAt(i + 2) | 32) === 100 ? 3 : 0;
}

function setLeaf(node: Branch, key: string, value: string, limits: BodyLimits): void {
  const existing = node.map.get(key);
  if (existing === undefined) put(node, key, value, limits);
  else if (typeof existing === 'string') {
    const list = new Branch();
    put(list, '0', existing, limits);
    put(list, '1', value, limits);
    node.map.set(key, list);
  } else put(existing, appendKey(existing, limits), value, limits);
}

function appendKey(node: Branch, limits: BodyLimits): string {
  if (node.next >= limits.maxArrayLength) {
    throw new BodyError(400, 'array_too_large', `Body has an array of more than ${limits.maxArrayLength} items; the limit is ${limits.maxArrayLength}.`);
  }
  return String(node.next);
}

/** Adds a key that is not in `node` yet, keeping its array bookkeeping. */
function put(node: Branch, key: string, slot: Slot, limits: BodyLimits): void {
  const index = arrayIndex(key, limits.maxArrayLength);
  if (index < 0) node.listLike = false;
  else {
    if (index < node.next) node.ascending = false;
    else node.next = index + 1;
  }
  node.map.set(key, slot);
}

/** `key` as an array index (canonical decimal, ≤ max), else -1. */
function arrayIndex(key: string, max: number): number {
  const n = key.length;
  if (n === 0 || n > 10) return -1;
  const c0 = key.charCodeAt(0);
  if (c0 === 48 /* 0 */) return n === 1 ? 0 : -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value <= max ? value : -1;
}

function checkedKey(key: string): string {
  if (isForbidden(key)) throw forbiddenKey(key);
  return key;
}


function finishSlot(slot: Slot, limits: BodyLimits, state: { keys: number }): unknown {
  if (typeof slot === 'string') return slot;
  if (!slot.listLike) return finishObject(slot, limits, state);
  if (slot.map.size > limits.maxArrayLength) throw arrayTooLarge(slot.map.size, limits);
  const out: unknown[] = [];
  if (slot.ascending) {
    for (const child of slot.map.values()) out.push(finishSlot(child, limits, state));
  } else {
    const keys = [...slot.map.keys()].sort((a, b) => Number(a) - Number(b));
    for (const key of keys) out.push(finishSlot(slot.map.get(key)!, limits, state));
  }
  return out;
}

function finishObject(branch: Branch, limits: BodyLimits, state: { keys: number }): Record<string, unknown> {
  if ((state.keys += branch.map.size) > limits.maxKeys) throw tooManyKeys(limits);
  const out: Record<string, unknown> = {};
  // Safe as a plain assignment: every key passed checkedKey, so none is "__proto__".
  branch.map.forEach((child, key) => {
    out[key] = finishSlot(child, limits, state);
  });
  return out;
}

/**
 * `+` → space, then percent-decoding as UTF-8. Hand-rolled because keys are mostly `%5B`/`%5D`
 * and decodeURIComponent costs a third of a form parse; multi-byte runs still go through it.
 * A malformed escape (`100%`, `%zz`) or a run that is not valid UTF-8 (`%E0%A4%A`, `%C8%F0`)
 * stays as written.
 */
function decodeUtf8Component(s: string): string {
  if (s.indexOf('+') >= 0) s = s.replaceAll('+', ' ');
  let i = s.indexOf('%');
  if (i < 0) return s;
  const n = s.length;
  let out = '';
  let last = 0;
  while (i >= 0) {
    const byte = i + 2 < n ? hexByte(s, i + 1) : -1;
    if (byte < 0) {
      i = s.indexOf('%', i + 1);
    } else if (byte < 0x80) {
      out += s.slice(last, i) + String.fromCharCode(byte);
      last = i + 3;
      i = s.indexOf('%', last);
    } else {
      let j = i + 3;
      while (j + 2 < n && s.charCodeAt(j) === 37 && hexByte(s, j + 1) >= 0x80) j += 3;
      out += s.slice(last, i) + decodeUtf8Run(s.slice(i, j));
      last = j;
      i = s.indexOf('%', last);
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/**
 * A run of `%XX` escapes of bytes ≥ 0x80: decoded as UTF-8, except that escapes not forming a
 * valid sequence stay as written (`%D0%98%FF` → "И%FF").
 */
function decodeUtf8Run(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    let out = '';
    for (let i = 0; i < run.length; ) {
      const lead = hexByte(run, i + 1);
      const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      let piece: string | undefined;
      if (size > 1 && i + 3 * size <= run.length) {
        try {
          piece = decodeURIComponent(run.slice(i, i + 3 * size));
        } catch {
          // overlong, surrogate, bad continuation: not a sequence
        }
      }
      if (piece === undefined) {
        out += run.slice(i, i + 3);
        i += 3;
      } else {
        out += piece;
        i += 3 * size;
      }
    }
    return out;
  }
}

/** The byte written as two hex digits at `s[i]`, `s[i + 1]` (both must exist), else -1. */
function hexByte(s: string, i: number): number {
  const hi = hexValue(s.charCodeAt(i));
  const lo = hexValue(s.charCodeAt(i + 1));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** `s` holds one byte per char (latin1); %XX and `+` become bytes, the bytes decode as windows-1251. */
function decodeCp1251Component(s: string): string {
  const n = s.length;
  const bytes = new Uint8Array(n);
  let j = 0;
  let plain = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */ && i + 2 < n) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes[j++] = hi * 16 + lo;
        i += 2;
        plain = false;
        continue;
      }
    }
    if (c === 43 /* + */) {
      bytes[j++] = 32;
      plain = false;
    } else {
      if (c > 127) plain = false;
      bytes[j++] = c;
    }
  }
  return plain ? s : cp1251Decoder.decode(bytes.subarray(0, j));
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
