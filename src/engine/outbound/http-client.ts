// The HTTP client connectors get: rate-limited per connection, metered (every request sent is a
// transaction, failed ones too), with timeouts. Network failures become TransientError; any HTTP
// status is returned for the connector to classify. Header values and query strings never appear
// in errors or in what `onRequest` reports: they may carry secrets. Every request passes the
// outbound guard (guard.ts) before it is limited or metered, and again when its socket opens.
import { request } from './undici-parts.ts';
import type { Readable } from 'node:stream';
import { PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorHttp, HttpRequest, HttpResponse } from '../../connector-kit/types.ts';
import { OutboundBlockedError, type OutboundGuard } from './guard.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface OutboundOptions {
  /** The SSRF guard: refuses private and local addresses; its dispatcher connects only to checked ones. */
  guard: OutboundGuard;
  limiter: RateLimiter;
  /** Usually the connection id: every execution using that connection shares the rate. */
  limitKey?: string;
  /** No limiting when absent (or no limitKey). */
  ratePerSecond?: number;
  /** Called once per request that was sent (status null when no HTTP answer came). */
  onRequest?: (info: { method: string; url: string; status: number | null; durationMs: number }) => void;
  defaultTimeoutMs?: number;
  /**
   * Called before the rate limiter, once the request is known to go out: the place to take a
   * transaction from the plan's quota. Throwing (or rejecting) stops the request; nothing is sent.
   * A request aborted while it then waits for the rate (its step's deadline) keeps its transaction.
   */
  beforeSend?: () => void | Promise<void>;
  /** Aborts waiting for the limiter and the request in flight (e.g. the step's own deadline). */
  signal?: AbortSignal;
}

export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const NONE: Readonly<Record<string, undefined>> = Object.freeze({});

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset',
  EPIPE: 'Connection closed',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
  ETIMEDOUT: 'Connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'Connection timed out',
  UND_ERR_SOCKET: 'Connection closed by the server',
  UND_ERR_CLOSED: 'Connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'No response headers in time',
  UND_ERR_BODY_TIMEOUT: 'Response body stalled',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'Self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'Self-signed TLS certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

export function createConnectorHttp(opts: OutboundOptions): ConnectorHttp {
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const method = String(req.method || 'GET').toUpperCase();
      if (!METHODS.has(method)) throw new PermanentError(`Unsupported HTTP method "${method}"`);
      const parsed = buildUrl(req);
      const where = redact(parsed);
      const { body, contentType } = encodeBody(req);
      const headers: Record<string, string> = {};
      let hasContentType = false;
      const given = req.headers ?? NONE;
      for (const k in given) {
        const v = given[k];
        if (v === undefined || v === null) continue;
        headers[k] = String(v);
        if (!hasContentType && k.toLowerCase() === 'content-type') hasContentType = true;
      }
      if (contentType && !hasContentType) headers['content-type'] = contentType;

      try {
        await opts.guard.checkUrl(parsed);
      } catch (error) {
        // Refused before the limiter and the quota: a blocked request costs nothing. Other
        // failures (DNS) are met again, and reported, when the request connects.
        if (error instanceof PermanentError) throw error;
      }

      const outer = opts.signal;
      // The quota before the rate: the limiter's grant must be the last wait before sending. A take
      // that waits on the database (exact quotas) after it would hold granted requests back and let
      // them go together, more in a second at the service than the limit allows.
      await opts.beforeSend?.();
      if (opts.ratePerSecond && opts.limitKey) {
        try {
          await opts.limiter.acquire(opts.limitKey, opts.ratePerSecond, outer);
        } catch (error) {
          if (outer?.aborted) throw new TransientError(`Aborted while waiting for the rate limit (${reasonOf(outer)}): ${method} ${where}`, { cause: error });
          throw error;
        }
      }
      if (outer?.aborted) throw new TransientError(`Aborted (${reasonOf(outer)}): ${method} ${where}`, { cause: outer.reason });

      const timeoutMs = req.timeoutMs ?? opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
      // A cleared timer rather than AbortSignal.timeout(): those live until they fire, and at
      // thousands of requests a second that is tens of MB of pending timers.
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error(`Timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = () => controller.abort(outer!.reason);
      outer?.addEventListener('abort', onAbort, { once: true });

      const started = performance.now();
      let status: number | null = null;
      let sent = true;
      try {
        const res = await request(opts.guard.dispatcher, parsed, { method: method as 'GET', headers, body, signal: controller.signal });
        status = res.statusCode;
        const resHeaders: Record<string, string> = {};
        for (const k in res.headers) {
          const v = res.headers[k];
          if (v !== undefined) resHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        }
        const declared = Number(resHeaders['content-length']);
        if (declared > MAX_RESPONSE_BYTES) {
          res.body.destroy();
          throw new PermanentError(`Response from ${where} is larger than ${MAX_RESPONSE_BYTES} bytes (${declared})`, { status: res.statusCode });
        }
        const bytes = await readLimited(res.body, MAX_RESPONSE_BYTES);
        if (!bytes) throw new PermanentError(`Response from ${where} is larger than ${MAX_RESPONSE_BYTES} bytes`, { status: res.statusCode });
        const text = decode(bytes, resHeaders['content-type']);
        return { status: res.statusCode, headers: resHeaders, text, json: parseJsonBody(text, resHeaders['content-type']) };
      } catch (error) {
        // Refused when the socket opened (the name's answer changed since the check): nothing sent.
        if (error instanceof OutboundBlockedError) sent = false;
        if (error instanceof PermanentError) throw error;
        const e = error as Error & { code?: string; errors?: Array<{ code?: string }>; cause?: { code?: string } };
        if (timedOut) throw new TransientError(`Timed out after ${timeoutMs} ms: ${method} ${where}`, { cause: error });
        if (outer?.aborted) throw new TransientError(`Aborted (${reasonOf(outer)}): ${method} ${where}`, { cause: error });
        const code = e.code ?? e.errors?.[0]?.code ?? e.cause?.code;
        if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_CHAR') {
          // Rejected before anything was sent (e.g. a header value with a line break). Undici
          // names the header, never its value.
          sent = false;
          throw new PermanentError(`Invalid request to ${where}: ${e.message}`, { cause: error });
        }
        const what = (code && NETWORK_MESSAGES[code]) ?? `Request failed (${code ?? e.message})`;
        throw new TransientError(`${what}: ${where}`, { cause: error });
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onAbort);
        if (sent && opts.onRequest) {
          try {
            opts.onRequest({ method, url: where, status, durationMs: Math.round(performance.now() - started) });
          } catch {
            // Metering must not turn a finished request into a failure.
          }
        }
      }
    },
  };
}

/**
 * The whole body, or null (and the body destroyed) once it passes `max` bytes. Listeners rather
 * than `for await`: the async iterator costs a few KB of garbage per response, thousands a second.
 */
function readLimited(body: Readable, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        body.off('data', onData);
        settle(() => resolve(null));
        body.destroy();
        return;
      }
      chunks.push(chunk);
    };
    body.on('data', onData);
    body.once('end', () => settle(() => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))));
    body.once('error', (error) => settle(() => reject(error)));
    // Closed with neither its end nor an error: as `for await` would, say the answer was cut short.
    body.once('close', () => settle(() => reject(Object.assign(new Error('Response body closed before its end'), { code: 'UND_ERR_SOCKET' }))));
  });
}

function buildUrl(req: HttpRequest): URL {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new PermanentError(`Invalid URL "${redactRaw(req.url)}": an absolute http:// or https:// URL is expected`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PermanentError(`Only http:// and https:// URLs are allowed, not "${url.protocol}//"`);
  }
  const query = req.query ?? NONE;
  for (const k in query) {
    const v = query[k];
    if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
  }
  return url;
}

function encodeBody(req: HttpRequest): { body: string | Buffer | undefined; contentType: string | undefined } {
  if (req.json !== undefined) return { body: JSON.stringify(req.json), contentType: 'application/json' };
  if (req.form !== undefined) return { body: new URLSearchParams(req.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  return { body: req.body, contentType: undefined };
}

/** UTF-8 unless the answer names another charset Node knows (windows-1251 still exists). */
function decode(buf: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    try {
      return new TextDecoder(charset).decode(buf);
    } catch {
      // Unknown label: fall through to UTF-8.
    }
  }
  return buf.toString('utf8');
}

function parseJsonBody(text: string, contentType: string | undefined): unknown {
  const first = text.trimStart()[0];
  if (!(/[/+]json\b/i.test(contentType ?? '') || first === '{' || first === '[')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reasonOf(signal: AbortSignal): string {
  const r = signal.reason as unknown;
  return r instanceof Error ? r.message : String(r ?? 'aborted');
}

/** Scheme, host and path only: query strings may carry keys (e.g. `?apiKey=`), so never in messages. */
function redact(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function redactRaw(url: string): string {
  return String(url).split(/[?#]/)[0].slice(0, 200);
}
