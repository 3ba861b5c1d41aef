// Errors a connector throws so the engine knows whether to retry, fail or honour onNotFound.
import type { HttpResponse } from './types.ts';

/** Worth retrying: network error, timeout, 429, 5xx. */
export class TransientError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(message: string, opts: { retryAfterMs?: number; status?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TransientError';
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

/** Retrying cannot help: the service rejected the request (4xx with an API error). */
export class PermanentError extends Error {
  readonly status: number | undefined;
  constructor(message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'PermanentError';
    this.status = opts.status;
  }
}

/** A find action found nothing; the step's onNotFound decides what happens. */
export class NotFoundError extends Error {
  constructor(message = 'Nothing found') {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Throws the right error for a non-2xx response: 408/425/429/5xx are transient, other 4xx
 * permanent. `describe` extracts the service's own message from the body.
 */
export function throwForStatus(res: HttpResponse, describe: (res: HttpResponse) => string | undefined = defaultMessage): void {
  if (res.status < 400) return;
  const message = describe(res) ?? `HTTP ${res.status}`;
  if (res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500) {
    throw new TransientError(message, { status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) });
  }
  throw new PermanentError(message, { status: res.status });
}

function defaultMessage(res: HttpResponse): string | undefined {
  const body = res.json;
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['errorMsg', 'message', 'error', 'detail', 'title']) {
      const value = record[key];
      if (typeof value === 'string' && value) return `HTTP ${res.status}: ${value}`;
    }
  }
  const text = res.text.trim().slice(0, 300);
  return text ? `HTTP ${res.status}: ${text}` : undefined;
}
