// The outage switch every sandbox shares: `POST /_sandbox/outage {"status":503,"seconds":N}` makes
// the fake service answer every request with that status for N seconds (fractions allowed, so a
// test can play "two hours" at scale), as a real service does in a maintenance window or behind a
// failing load balancer; `{"seconds":0}` ends it, `GET /_sandbox/outage` tells the state. The
// sandbox's request log (time, method, path, status of every request it answered) is what tests
// and bench/ read to check a drain never went over the service's rate.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SandboxRequestLogEntry {
  /** Epoch ms (the sandbox's clock) when the request arrived. */
  at: number;
  method: string;
  path: string;
  status: number;
}

export interface SandboxOutage {
  /**
   * Call first in the sandbox's request handler. True when the request is answered here: the switch
   * itself, or any request while an outage lasts. Every request is logged when its answer is sent.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Starts an outage now (tests may call it directly instead of over HTTP). */
  start(status: number, seconds: number): void;
  end(): void;
  /** Whether requests are being refused now. */
  active(): boolean;
  /** Requests answered with the outage's status. */
  refused(): number;
  /** Every request answered, oldest first (the newest `logLimit`). */
  readonly log: readonly SandboxRequestLogEntry[];
}

const MAX_SECONDS = 7 * 24 * 3600;
const BODY_LIMIT = 4096;

const PAGES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

export function createSandboxOutage(opts: { now?: () => number; logLimit?: number } = {}): SandboxOutage {
  const now = opts.now ?? Date.now;
  const logLimit = opts.logLimit ?? 200_000;
  const log: SandboxRequestLogEntry[] = [];
  let until = 0;
  let status = 503;
  let refused = 0;

  const active = () => now() < until;
  const start = (s: number, seconds: number) => {
    status = s;
    until = now() + seconds * 1000;
  };

  const record = (req: IncomingMessage, res: ServerResponse) => {
    const at = now();
    const path = (req.url ?? '/').split('?')[0];
    res.once('finish', () => {
      log.push({ at, method: req.method ?? 'GET', path, status: res.statusCode });
      if (log.length > logLimit) log.splice(0, log.length - logLimit);
    });
  };

  const answer = (res: ServerResponse, code: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text);
  };

  const control = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') return answer(res, 200, { active: active(), status, until: active() ? new Date(until).toISOString() : null, refused });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => {
      let body: { status?: unknown; seconds?: unknown };
      try {
        body = size > BODY_LIMIT ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof body);
      } catch {
        return answer(res, 400, { error: 'body must be JSON: {"status":503,"seconds":N}' });
      }
      const s = body.status === undefined ? 503 : Number(body.status);
      const seconds = Number(body.seconds);
      if (!Number.isInteger(s) || s < 400 || s > 599) return answer(res, 400, { error: '"status" must be an HTTP error status (400–599)' });
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) return answer(res, 400, { error: `"seconds" must be a number from 0 to ${MAX_SECONDS}` });
      if (seconds === 0) until = 0;
      else start(s, seconds);
      answer(res, 200, { active: active(), status, until: active() ? new Date(until).toISOString() : null });
    });
  };

  return {
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      // Under the sandbox's base URL, whatever path that has (Kaspi's ends in /shop/api/v2).
      if (path.endsWith('/_sandbox/outage') && (req.method === 'POST' || req.method === 'GET')) {
        control(req, res);
        return true;
      }
      record(req, res);
      if (!active()) return false;
      refused++;
      req.resume();
      const title = PAGES[status] ?? `${status} Service Unavailable`;
      res.writeHead(status, { 'content-type': 'text/html' }).end(`<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`);
      return true;
    },
    start,
    end() {
      until = 0;
    },
    active,
    refused: () => refused,
    log,
  };
}
