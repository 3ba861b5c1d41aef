import { z } from 'zod';
import { PermanentError, throwForStatus } from '../../errors.ts';
import type { ActionDefinition } from '../../types.ts';
import { requestInput, requestOutput } from '../fields.ts';

const inputSchema = z.object({
  method: z.preprocess((m) => (typeof m === 'string' ? m.toUpperCase() : m), z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])).default('GET'),
  url: z.string().min(1, 'url is required'),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).optional()).default({}),
  bodyType: z.enum(['json', 'form', 'raw', 'none']).optional(),
  body: z.unknown().optional(),
  timeoutMs: z.coerce.number().int().min(100).max(300_000).default(30_000),
  idempotencyHeader: z.string().min(1).default('Idempotency-Key'),
  failOnStatus: z.boolean().default(true),
});

/** Relative URLs go under the connection's base URL; absolute ones are used as they are. */
function resolveUrl(url: string, baseUrl: unknown): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  if (typeof baseUrl !== 'string' || !baseUrl) throw new PermanentError(`URL "${url}" is relative, and the connection has no base URL`);
  return baseUrl.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '');
}

export const requestAction: ActionDefinition = {
  id: 'request',
  label: { ru: 'HTTP-запрос', en: 'HTTP request' },
  description: 'Sends any HTTP request; a JSON answer becomes fields for later steps.',
  kind: 'read',
  input: requestInput,
  output: requestOutput,
  async run(ctx, rawInput) {
    const parsed = inputSchema.safeParse(rawInput);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PermanentError(`Invalid input "${issue.path.join('.') || 'input'}": ${issue.message}`);
    }
    const input = parsed.data;
    const headers: Record<string, string> = { ...input.headers };
    const { headerName, headerValue, baseUrl } = ctx.auth as Record<string, unknown>;
    if (typeof headerName === 'string' && headerName && typeof headerValue === 'string') headers[headerName] = headerValue;
    if (input.method !== 'GET' && input.method !== 'DELETE' && !Object.keys(headers).some((h) => h.toLowerCase() === input.idempotencyHeader.toLowerCase())) {
      headers[input.idempotencyHeader] = ctx.idempotencyKey;
    }
    const bodyType = input.body === undefined ? 'none' : (input.bodyType ?? (typeof input.body === 'string' ? 'raw' : 'json'));
    const res = await ctx.http.request({
      method: input.method,
      url: resolveUrl(input.url, baseUrl),
      headers,
      query: input.query,
      timeoutMs: input.timeoutMs,
      ...(bodyType === 'json' ? { json: input.body } : {}),
      ...(bodyType === 'form' ? { form: Object.fromEntries(Object.entries((input.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) } : {}),
      ...(bodyType === 'raw' ? { body: typeof input.body === 'string' ? input.body : JSON.stringify(input.body) } : {}),
    });
    if (input.failOnStatus) throwForStatus(res);
    const body = res.json ?? res.text;
    const data = res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json) ? res.json : {};
    return { status: res.status, headers: res.headers, body, data };
  },
};
