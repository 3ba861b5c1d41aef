// A local HTTP service for the demo and tests: answers every request with JSON, remembers what
// it got, counts requests per Idempotency-Key, and fails on request (injected failures,
// /status/{code}, /slow/{ms}).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  at: number;
}

export interface EchoTarget {
  baseUrl: string;
  close(): Promise<void>;
  received(): EchoRecord[];
  countByKey(): Map<string, number>;
  failNext(n: number, status: number, retryAfter?: string): void;
  reset(): void;
}

const MAX_RECORDS = 10_000;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
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
  let records: EchoRecord[] = [];
  let counts = new Map<string, number>();
  let failures: Array<{ status: number; retryAfter?: string }> = [];
  let n = 0;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://echo');
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'authorization' && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    records.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, at: Date.now() });
    if (records.length > MAX_RECORDS) records = records.slice(-MAX_RECORDS);
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') counts.set(key, (counts.get(key) ?? 0) + 1);
    const received = ++n;
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(JSON.stringify(payload));
    };
    const failure = failures.shift();
    if (failure) return send(failure.status, { error: 'Injected failure' }, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) return send(Number(status[1]), { message: `Remote said ${status[1]}` });
    const slow = /^\/slow\/(\d+)$/.exec(url.pathname);
    if (slow) await new Promise((r) => setTimeout(r, Math.min(Number(slow[1]), 60_000)));
    send(200, { ok: true, id: received, method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, received });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    received: () => records,
    countByKey: () => counts,
    failNext(count, status, retryAfter) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfter });
    },
    reset() {
      records = [];
      counts = new Map();
      failures = [];
    },
  };
}
