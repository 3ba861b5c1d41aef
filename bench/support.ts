// Shared pieces of the benchmarks: child-process servers, load with autocannon, RSS, a
// RetailCRM-shaped webhook body of about 1.5 KB.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * How a tree's `npm start` starts the server: the environment it sets and the flags it gives node,
 * read from that tree's package.json — so a BASE_REF checkout runs with its own settings, and a
 * commit that changes them is compared against the old ones.
 */
export function npmStart(root: string): { flags: string[]; env: Record<string, string> } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.start ?? '';
  const words = script.split(/\s+/).filter(Boolean);
  const at = words.indexOf('node');
  if (at < 0 || !words.includes('bin/svyazka.js')) throw new Error(`${root}/package.json: "start" does not run node bin/svyazka.js: ${script}`);
  const env: Record<string, string> = {};
  for (const word of words.slice(0, at)) {
    // NAME=value, or NAME=${NAME:-value}: a value the caller gives wins, as in the shell.
    const m = /^([A-Z_][A-Z0-9_]*)=(?:\$\{\1:-(.*)\}|(.*))$/.exec(word);
    if (!m) continue;
    const value = m[2] ?? m[3];
    env[m[1]] = m[2] !== undefined ? (process.env[m[1]] ?? value) : value;
  }
  const flags = words.slice(at + 1, words.indexOf('bin/svyazka.js')).filter((w) => w.startsWith('--'));
  return { flags, env };
}

/**
 * The flags the Svyazka checkout at `root` is started with: its `npm start`'s. SERVER_FLAGS="…" in
 * the environment tries others for this tree, BASE_SERVER_FLAGS="…" for the BASE_REF checkout.
 */
export function serverFlagsFor(root: string): string[] {
  return flagsFrom(root === ROOT ? process.env.SERVER_FLAGS : process.env.BASE_SERVER_FLAGS) ?? npmStart(root).flags;
}

/** This tree's server flags (its `npm start`'s, or SERVER_FLAGS). */
export const SERVER_FLAGS = serverFlagsFor(ROOT);

/**
 * The environment the tree's `npm start` sets (MALLOC_ARENA_MAX=2), then SERVER_ENV="NAME=value …"
 * for this tree's server, BASE_SERVER_ENV for the BASE_REF checkout's: settings (SVYAZKA_WORKERS,
 * say) compared in one run against the same commit.
 */
function serverEnvFor(root: string): Record<string, string> {
  const given = root === ROOT ? process.env.SERVER_ENV : process.env.BASE_SERVER_ENV;
  const env = npmStart(root).env;
  for (const pair of (given ?? '').split(' ').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`SERVER_ENV / BASE_SERVER_ENV: "${pair}" is not NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function flagsFrom(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(' ').filter(Boolean);
}

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
  /** The slowest answer: a stall shows here. */
  max: number;
  seconds: number;
}

/** `rate`: requests per second in all, instead of as many as the connections can make. */
export async function load(url: string, body: string, contentType: string, opts: { connections: number; seconds: number; rate?: number }): Promise<LoadResult> {
  const result = await autocannon({
    ...(opts.rate ? { overallRate: opts.rate } : {}),
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
    max: result.latency.max,
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

/**
 * The JSON workload of issue 14: a RetailCRM-style order of about 1.8 KB, as a JSON text. Numbers
 * stay numbers (sums, quantities), so a stored body must keep them exact.
 */
export function retailcrmOrderJson(): string {
  const order = {
    id: 48213, number: '48213A', externalId: 'ext-48213', site: 'shop-main', status: 'complete',
    createdAt: '2026-11-20 14:07:31', totalSumm: 15990.0, summ: 15490.0,
    prepaySum: 0, purchaseSumm: 9800.5, orderMethod: 'shopping-cart', orderType: 'eshop-individual', managerId: 17,
    firstName: 'Ирина', lastName: 'Петрова', email: 'irina.petrova@example.ru', phone: '+7 (916) 123-45-67',
    customerComment: 'Позвоните за час до доставки, пожалуйста', managerComment: '',
    customer: { id: 9921, externalId: 'c-9921', type: 'customer', firstName: 'Ирина', lastName: 'Петрова', email: 'irina.petrova@example.ru', phones: [{ number: '+7 (916) 123-45-67' }] },
    delivery: { code: 'courier', cost: 500, netCost: 350, date: '2026-11-23', time: { from: '10:00', to: '14:00' }, address: { index: '125009', countryIso: 'RU', region: 'Москва', city: 'Москва', street: 'Тверская', building: '7', flat: '12', text: 'г. Москва, ул. Тверская, д. 7, кв. 12' } },
    items: [
      { id: 1, initialPrice: 7990, discountTotal: 0, vatRate: '20.00', quantity: 1, status: 'new', offer: { id: 501, externalId: 'SKU-1001', xmlId: 'SKU-1001', name: 'Кофеварка капельная', article: 'CM-1001' } },
      { id: 2, initialPrice: 7500, discountTotal: 500, vatRate: '20.00', quantity: 1, status: 'new', offer: { id: 502, externalId: 'SKU-2002', xmlId: 'SKU-2002', name: 'Кофемолка жерновая', article: 'GR-2002' } },
      { id: 3, initialPrice: 500, discountTotal: 0, vatRate: '20.00', quantity: 2, status: 'new', offer: { id: 503, externalId: 'SKU-3003', xmlId: 'SKU-3003', name: 'Фильтры бумажные №4', article: 'FL-3003' } },
    ],
    source: { source: 'yandex', medium: 'cpc', campaign: 'coffee-autumn' },
    shipmentStore: 'main', shipped: false, fromApi: false,
  };
  return JSON.stringify({ order });
}

/** The 9 fields the JSON workload's flow maps into its outgoing POST (the baseline maps the same by hand). */
export const JSON_WORKLOAD_MAPPING = {
  number: '{{trigger.order.number}}',
  status: '{{trigger.order.status}}',
  phone: '{{trigger.order.customer.phones.0.number | phone}}',
  email: '{{trigger.order.email}}',
  sum: '{{trigger.order.totalSumm | number}}',
  customerId: '{{trigger.order.customer.id}}',
  city: '{{trigger.order.delivery.address.city}}',
  createdAt: '{{trigger.order.createdAt}}',
  items: '{{trigger.order.items}}',
};

export function ratio(a: number, b: number): string {
  return b === 0 ? 'n/a' : (a / b).toFixed(2);
}

/** Another commit of this repository checked out beside it (node_modules shared), for before/after in one run. */
export function worktree(ref: string): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'svyazka-base-'));
  execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', root, ref], { stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return { root, remove: () => execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', root], { stdio: 'ignore' }) };
}

/**
 * The Svyazka checkout at `root` (this tree or a worktree) set up through its own CLI — an `http`
 * connection "target" to `targetUrl` and one enabled webhook flow with `steps` — and started as
 * `npm start` does. Resolves when it answers.
 */
export async function startSvyazka(root: string, steps: readonly unknown[], targetUrl: string): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-'));
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: join(ROOT, 'bench/plans-unlimited.json'), SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1' };
  const cli = (...args: string[]) => execFileSync(process.execPath, [join(root, 'bin/svyazka.js'), ...args], { env, encoding: 'utf8' });
  cli('connection', 'add', '--name', 'target', '--connector', 'http', '--auth', JSON.stringify({ baseUrl: targetUrl }));
  writeFileSync(join(dataDir, 'flow.json'), JSON.stringify({ name: 'bench', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps }));
  const imported = JSON.parse(cli('flow', 'import', join(dataDir, 'flow.json'))) as { webhookUrl: string };
  const child = spawnNode([...serverFlagsFor(root), join(root, 'bin/svyazka.js'), 'serve'], { ...env, ...serverEnvFor(root) });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { url: `http://127.0.0.1:${port}${new URL(imported.webhookUrl).pathname}`, child, dataDir };
}
