// A local HTTP service for the demo and tests: answers every request with JSON, remembers what
// it got, counts requests per Idempotency-Key, and fails on request (injected failures,
// /status/{code}, /slow/{ms}).
import { listen } from '../../lib/listen.ts';
import { createSandboxOutage, type SandboxOutage } from '../../connector-kit/sandbox-outage.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface EchoRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased request headers, without `authorization`. */
  headers: Record<string, string>;
  /** Parsed JSON or form body, the text otherwise, undefined when empty. */
  body: unknown;
  at: number;
}

export interface EchoTarget {
  /** `POST /_sandbox/outage {"status":503,"seconds":N}`: every request refused for N s; the request log. */
  outage: SandboxOutage;
  baseUrl: string;
  close(): Promise<void>;
  /** The last 10,000 requests, oldest first. */
  received(): EchoRecord[];
  /** Requests per Idempotency-Key header, failed ones included, since start or reset. */
  countByKey(): Map<string, number>;
  /** The next `n` requests answer `status` with `{error: "Injected failure"}`. */
  failNext(n: number, status: number, retryAfter?: string): void;
  reset(): void;
}

const MAX_RECORDS = 10_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_SLOW_MS = 60_000;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (type.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return text;
}

export async function startEchoTarget(opts: { port?: number; host?: string } = {}): Promise<EchoTarget> {
  const host = opts.host ?? '127.0.0.1';
  // Records are appended and trimmed in batches (not one shift per request).
  let records: EchoRecord[] = [];
  let counts = new Map<string, number>();
  let failures: Array<{ status: number; retryAfter?: string }> = [];
  let received = 0;
  let nextId = 0;
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => (sleepers.delete(entry), resolve()), ms), resolve };
      sleepers.add(entry);
    });

  const send = (res: ServerResponse, status: number, payload: unknown, extra: Record<string, string> = {}) => {
    if (res.destroyed || res.headersSent) return;
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...extra });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://echo');
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return send(res, 413, { error: 'Body too large or interrupted' });
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k !== 'authorization' && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const query = Object.fromEntries(url.searchParams);
    records.push({ method: req.method ?? 'GET', path: url.pathname, query, headers, body, at: Date.now() });
    if (records.length >= 2 * MAX_RECORDS) records = records.slice(-MAX_RECORDS);
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') counts.set(key, (counts.get(key) ?? 0) + 1);
    const n = ++received;
    const id = ++nextId;

    const failure = failures.shift();
    if (failure) return send(res, failure.status, { error: 'Injected failure' }, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
    const status = /^\/status\/(\d{3})\/?$/.exec(url.pathname);
    if (status) {
      const code = Number(status[1]);
      if (code < 200 || code > 599) return send(res, 400, { message: `Unsupported status ${code}` });
      const retryAfter = url.searchParams.get('retryAfter');
      return send(res, code, { message: `Remote said ${code}` }, retryAfter ? { 'retry-after': retryAfter } : {});
    }
    const slow = /^\/slow\/(\d+)\/?$/.exec(url.pathname);
    if (slow) await sleep(Math.min(Number(slow[1]), MAX_SLOW_MS));
    send(res, 200, { ok: true, id, method: req.method, path: url.pathname, query, body, received: n });
  };

  const outage = createSandboxOutage();
  const server = createServer((req, res) => {
    if (outage.handle(req, res)) return;
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, opts.port ?? 0, host);
  return {
    outage,
    baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sleepers) {
          clearTimeout(s.timer);
          s.resolve();
        }
        sleepers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    received: () => (records.length > MAX_RECORDS ? records.slice(-MAX_RECORDS) : records.slice()),
    countByKey: () => counts,
    failNext(count, status, retryAfter) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfter });
    },
    reset() {
      records = [];
      counts = new Map();
      failures = [];
      received = 0;
    },
  };
}
