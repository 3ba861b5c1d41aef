// `http.request`: sends any HTTP request; a JSON object answer becomes `data.*` for later steps.
import { z } from 'zod';
import { PermanentError, throwForStatus } from '../../../connector-kit/errors.ts';
import type { ActionDefinition, HttpRequest } from '../../../connector-kit/types.ts';
import { coerceStructured, isPlainObject } from '../../../connector-kit/values.ts';
import { METHODS, requestInput, requestOutput } from '../fields.ts';

/** Templates render empty strings and nulls for missing values: treat those as "not set". */
const unset = (v: unknown) => (v === '' || v === null ? undefined : v);
const scalar = z.union([z.string(), z.number(), z.boolean()]);
// Headers and query arrive as objects: the kit parsed JSON text by their field type.
const scalarMap = z.preprocess(
  unset,
  z.record(z.string(), z.union([scalar, z.null(), z.undefined()]), { error: 'ожидается объект {"имя": "значение"}' }).optional(),
);
const boolish = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : unset(v)), z.boolean({ error: 'ожидается true или false' }).optional());

const inputSchema = z.object({
  method: z.preprocess(
    (m) => (typeof m === 'string' ? m.trim().toUpperCase() || undefined : unset(m)),
    z.enum(METHODS, { error: `ожидается один из ${METHODS.join(', ')}` }).default('GET'),
  ),
  url: z.string({ error: 'обязательное поле, строка' }).trim().min(1, 'обязательное поле'),
  headers: scalarMap,
  query: scalarMap,
  bodyType: z.preprocess(unset, z.enum(['json', 'form', 'raw', 'none'], { error: 'ожидается json, form, raw или none' }).optional()),
  body: z.unknown().optional(),
  timeoutMs: z.preprocess(unset, z.coerce.number({ error: 'ожидается число миллисекунд' }).int().min(100).max(300_000).optional()),
  /** A header name, or false / "" to send no idempotency key. */
  idempotencyHeader: z.preprocess(
    (v) => (v === false || v === 'false' ? '' : v === null ? undefined : v),
    z.string({ error: 'ожидается имя заголовка' }).trim().regex(/^$|^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'недопустимое имя заголовка').optional(),
  ),
  failOnStatus: boolish,
});

type Input = z.infer<typeof inputSchema>;

function parseInput(raw: Record<string, unknown>): Input {
  const parsed = inputSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.length ? issue.path.map(String).join('.') : 'input';
  throw new PermanentError(`Поле "${field}": ${issue.message}`);
}

/** Absolute http(s) URLs are used as they are; others go under the connection's base URL. */
export function resolveUrl(url: string, baseUrl: unknown): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
  let resolved = url;
  if (!absolute) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
      if (/^[^/?#:]+:\d+(?:[/?#]|$)/.test(url)) throw new PermanentError(`Поле "url": в адресе "${url.split(/[?#]/)[0]}" нет схемы — добавьте http:// или https://`);
      throw new PermanentError(`Поле "url": разрешены только адреса http:// и https://, получено "${url.split(':')[0]}:"`);
    }
    if (typeof baseUrl !== 'string' || !baseUrl.trim()) {
      throw new PermanentError(`Поле "url": "${url.split(/[?#]/)[0]}" — относительный адрес, а у подключения нет базового URL; укажите полный адрес https://…`);
    }
    resolved = baseUrl.trim().replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '');
  }
  let parsed: URL;
  try {
    parsed = new URL(resolved);
  } catch {
    throw new PermanentError(`Поле "url": некорректный адрес "${resolved.split(/[?#]/)[0]}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PermanentError(`Поле "url": разрешены только адреса http:// и https://, получено "${parsed.protocol}//"`);
  }
  return resolved;
}

/**
 * The connection's auth header goes only to its base URL's origin (scheme, host, port): a step
 * cannot send the secret to a host of its choosing. Throws when `url` is elsewhere.
 */
export function checkCredentialOrigin(url: string, baseUrl: unknown): void {
  const target = new URL(url).origin;
  if (typeof baseUrl !== 'string' || !baseUrl.trim()) {
    throw new PermanentError(
      `Поле "url": у подключения есть заголовок авторизации, но нет базового URL — секрет отправляется только на адрес базового URL. Укажите базовый URL в подключении или уберите подключение из шага (адрес ${target})`,
    );
  }
  let own: string;
  try {
    own = new URL(baseUrl.trim()).origin;
  } catch {
    throw new PermanentError(`Базовый URL подключения «${baseUrl.trim().split(/[?#]/)[0]}» некорректен`);
  }
  if (own !== target) {
    throw new PermanentError(
      `Поле "url": адрес ${target} вне базового URL подключения ${own} — заголовок авторизации подключения отправляется только туда. Используйте путь относительно базового URL, другое подключение для ${target} или шаг без подключения`,
    );
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((h) => h.toLowerCase() === lower);
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const h of Object.keys(headers)) if (h.toLowerCase() === lower) delete headers[h];
  headers[name] = value;
}

function formOf(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new PermanentError('Поле "body": для bodyType "form" нужен объект {"поле": "значение"} или готовая строка a=1&b=2');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** The body part of the request, by bodyType (default: JSON for values, raw for non-JSON text). */
function bodyOf(input: Input, headers: Record<string, string>): Pick<HttpRequest, 'json' | 'form' | 'body'> {
  const body = input.body;
  if (input.bodyType === 'none' || body === undefined || (body === '' && input.bodyType !== 'raw')) return {};
  const type = input.bodyType ?? (typeof body === 'string' && !looksLikeJson(body) ? 'raw' : 'json');
  if (type === 'json') {
    if (typeof body === 'string' && looksLikeJson(body)) {
      // Already JSON text (e.g. a rendered template): send it as is, not as a JSON string.
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
      return { body };
    }
    return { json: body };
  }
  if (type === 'form') {
    if (typeof body === 'string') {
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
      return { body };
    }
    return { form: formOf(body) };
  }
  if (!hasHeader(headers, 'content-type')) headers['content-type'] = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  return { body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  return (t.startsWith('{') || t.startsWith('[')) && coerceStructured(t, 'json') !== undefined;
}

export const requestAction: ActionDefinition = {
  id: 'request',
  label: { ru: 'HTTP-запрос', en: 'HTTP request' },
  description: 'Отправляет любой HTTP-запрос; JSON-ответ становится полями для следующих шагов (data.*).',
  kind: 'read',
  input: requestInput,
  output: requestOutput,
  async run(ctx, rawInput) {
    const input = parseInput(rawInput);
    const { headerName, headerValue, baseUrl } = ctx.auth as Record<string, unknown>;
    const url = resolveUrl(input.url, baseUrl);

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.headers ?? {})) if (v !== undefined && v !== null) headers[k] = String(v);
    // The connection's auth header wins over a step header of the same name.
    if (typeof headerName === 'string' && headerName.trim() && typeof headerValue === 'string' && headerValue) {
      checkCredentialOrigin(url, baseUrl);
      setHeader(headers, headerName.trim(), headerValue);
    }
    // Explicit header name: always sent. Default: Idempotency-Key on POST/PUT/PATCH.
    const explicit = input.idempotencyHeader !== undefined;
    const idemHeader = explicit ? input.idempotencyHeader! : 'Idempotency-Key';
    const writes = input.method === 'POST' || input.method === 'PUT' || input.method === 'PATCH';
    if (idemHeader && (explicit || writes) && !hasHeader(headers, idemHeader)) headers[idemHeader] = ctx.idempotencyKey;

    const bodyPart = bodyOf(input, headers);
    const query: Record<string, string | number | boolean | undefined> = {};
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined && v !== null) query[k] = v;

    const res = await ctx.http.request({ method: input.method, url, headers, query, timeoutMs: input.timeoutMs, ...bodyPart });
    if (input.failOnStatus !== false) throwForStatus(res);
    const json = res.json;
    const body = json !== undefined ? json : res.text;
    const data = isPlainObject(json) ? json : {};
    return { status: res.status, headers: res.headers, body, data };
  },
};
