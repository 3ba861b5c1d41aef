// The HTTP client connectors get: rate-limited per connection, metered (every request sent is a
// transaction, failed ones too), with timeouts. Network failures become TransientError; any HTTP
// status is returned for the connector to classify.
import { Agent, request } from 'undici';
import { PermanentError, TransientError } from '../../connectors/errors.ts';
import type { ConnectorHttp, HttpRequest, HttpResponse } from '../../connectors/types.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface OutboundOptions {
  limiter: RateLimiter;
  limitKey?: string;
  ratePerSecond?: number;
  onRequest?: (info: { method: string; url: string; status: number | null; durationMs: number }) => void;
  defaultTimeoutMs?: number;
  signal?: AbortSignal;
}

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const agent = new Agent({ connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

export function createConnectorHttp(opts: OutboundOptions): ConnectorHttp {
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const url = buildUrl(req);
      const { body, contentType } = encodeBody(req);
      const headers: Record<string, string> = { ...req.headers };
      if (contentType && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = contentType;
      if (opts.ratePerSecond && opts.limitKey) await opts.limiter.acquire(opts.limitKey, opts.ratePerSecond, opts.signal);
      const timeoutMs = req.timeoutMs ?? opts.defaultTimeoutMs ?? 30_000;
      // A cleared timer rather than AbortSignal.timeout(): those live until they fire, and at
      // thousands of requests a second that is tens of MB of pending timers.
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onAbort = () => controller.abort(opts.signal!.reason);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const signal = controller.signal;
      const started = Date.now();
      let status: number | null = null;
      try {
        const res = await request(url, { method: req.method.toUpperCase() as 'GET', headers, body, signal, dispatcher: agent });
        status = res.statusCode;
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body) {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.body.destroy();
            throw new PermanentError(`Response from ${origin(url)} is larger than ${MAX_RESPONSE_BYTES} bytes`);
          }
          chunks.push(chunk as Buffer);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        const resHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        return { status: res.statusCode, headers: resHeaders, text, json: parseJsonBody(text, resHeaders['content-type']) };
      } catch (error) {
        if (error instanceof PermanentError) throw error;
        const e = error as Error & { code?: string; name: string };
        if (timedOut) {
          throw new TransientError(`Timed out after ${timeoutMs} ms: ${req.method.toUpperCase()} ${origin(url)}`, { cause: error });
        }
        if (e.code === 'ECONNREFUSED') throw new TransientError(`Connection refused: ${origin(url)}`, { cause: error });
        throw new TransientError(`Request to ${origin(url)} failed: ${e.code ?? e.message}`, { cause: error });
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        opts.onRequest?.({ method: req.method, url: origin(url), status, durationMs: Date.now() - started });
      }
    },
  };
}

function buildUrl(req: HttpRequest): string {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new PermanentError(`Invalid URL "${req.url}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentError(`Only http and https URLs are allowed, not "${url.protocol}"`);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
  return url.toString();
}

function encodeBody(req: HttpRequest): { body: string | Buffer | undefined; contentType: string | undefined } {
  if (req.json !== undefined) return { body: JSON.stringify(req.json), contentType: 'application/json' };
  if (req.form !== undefined) return { body: new URLSearchParams(req.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  return { body: req.body, contentType: undefined };
}

function parseJsonBody(text: string, contentType: string | undefined): unknown {
  const first = text.trimStart()[0];
  if (!(contentType?.includes('json') || first === '{' || first === '[')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Scheme, host and path only: query strings may carry keys (e.g. `?apiKey=`), so never in messages. */
function origin(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
