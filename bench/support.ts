// Shared pieces of the benchmarks: child-process servers, load with autocannon, RSS, a
// RetailCRM-shaped webhook body of about 1.5 KB.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

export const ROOT = new URL('../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The flags `npm start` runs the server with (package.json). */
export const SERVER_FLAGS = ['--max-semi-space-size=16'];

export function spawnNode(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

export async function waitHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not come up`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  seconds: number;
}

export async function load(url: string, body: string, contentType: string, opts: { connections: number; seconds: number }): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
    connections: opts.connections,
    duration: opts.seconds,
    pipelining: 1,
  });
  const ok = result['2xx'];
  return {
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    perSecond: Math.round(ok / opts.seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: opts.seconds,
  };
}

/** A RetailCRM trigger body (form-encoded, bracketed keys) of about 1.5 KB. */
export function retailcrmOrderForm(): string {
  const order = {
    id: '48213', number: '48213A', externalId: 'ext-48213', site: 'shop-main', status: 'complete',     createdAt: '2026-11-20 14:07:31', totalSumm: '15990.00', summ: '15490.00',
    orderMethod: 'shopping-cart', orderType: 'eshop-individual', managerId: '17',
    firstName: 'Irina', lastName: 'Petrova', email: 'irina.petrova@example.ru', phone: '+7 (916) 123-45-67',
    customer: { id: '9921', externalId: 'c-9921', firstName: 'Ирина', email: 'irina.petrova@example.ru', phones: [{ number: '+7 (916) 123-45-67' }] },
    delivery: { code: 'courier', cost: '500', date: '2026-11-23', address: { city: 'Москва', street: 'Tverskaya', building: '7', flat: '12' } },
    items: [
      { id: '1', initialPrice: '7990', quantity: '1', offer: { externalId: 'SKU-1001', name: 'Coffee maker' } },
      { id: '2', initialPrice: '7500', quantity: '1', offer: { externalId: 'SKU-2002', name: 'Grinder' } },
    ],
    source: { source: 'yandex', medium: 'cpc' },
  };
  const pairs: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${key}[${k}]`);
    } else pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  };
  for (const [k, v] of Object.entries(order)) walk(v, `order[${k}]`);
  return pairs.join('&');
}

export function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : (a / b).toFixed(2);
}
