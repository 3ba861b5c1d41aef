// bench/marketplace: N new Ozon FBS postings in the Ozon sandbox → one poll of the flow
// "posting.new → RetailCRM order.createFromOzon" → N RetailCRM orders in the RetailCRM sandbox
// (which answers 503 past 10 req/s). Prints the RetailCRM side's request rate ÷ its 10 req/s limit
// (target ≥ 0.95), the 503s it answered, and the app process's peak RSS (both sandboxes run in a
// child process, so the RSS is Svyazka's own).
// Usage: node --max-semi-space-size=16 bench/marketplace.ts [postings=5000]
// Each order costs RetailCRM ~3 requests (store/inventories, store/products, orders/create), so
// 5,000 postings take ~25 minutes at 10 req/s; a smaller N gives the same ratio sooner.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startOzonSandbox } from '../src/connectors/ozon/sandbox.ts';
import { startRetailcrmSandbox } from '../src/connectors/retailcrm/sandbox.ts';
import { peakRssMb } from './support.ts';

const N = Number(process.argv[2] ?? 5000);

if (process.argv[3] === '--sandboxes-child') {
  const ozon = await startOzonSandbox({ seed: 1, records: 0, fboRecords: 0 });
  const crm = await startRetailcrmSandbox({ seed: 1, records: 4 });
  ozon.addPostings(N, { at: Date.now() - 60_000 });
  process.stdout.write(JSON.stringify({ ozon: ozon.credentials, crm: crm.credentials }) + '\n');
  // One line in ("stats"), one JSON line out.
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'stats') continue;
    const orders = crm.state.orders.filter((o) => String(o.number).startsWith('OZ-'));
    process.stdout.write(
      JSON.stringify({ orders: orders.length, distinct: new Set(orders.map((o) => o.number)).size, crmRequests: crm.requestCount(), crm503: crm.rateLimited(), ozonRequests: ozon.requests.length }) + '\n',
    );
  }
  await Promise.all([ozon.close(), crm.close()]);
  process.exit(0);
}

const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(N), '--sandboxes-child'], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const creds = JSON.parse((await lines.next()).value as string) as { ozon: Record<string, string>; crm: Record<string, string> };
async function stats(): Promise<{ orders: number; distinct: number; crmRequests: number; crm503: number; ozonRequests: number }> {
  child.stdin!.write('stats\n');
  return JSON.parse((await lines.next()).value as string);
}

const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-marketplace-'));
const plans = new URL('./plans-unlimited.json', import.meta.url).pathname;
const app = await startApp(loadConfig({ SVYAZKA_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: plans, SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1' }));
try {
  const s = app.services;
  const ws = s.defaultWorkspace.id;
  await s.connections.save(ws, { name: 'ozon', connector: 'ozon', auth: creds.ozon });
  await s.connections.save(ws, { name: 'retailcrm', connector: 'retailcrm', auth: creds.crm });
  const flow = await s.flows.save(ws, JSON.parse(readFileSync(new URL('../examples/ozon-to-retailcrm.json', import.meta.url), 'utf8')));
  const before = await stats();
  const started = performance.now();
  const created = await app.scheduler.fire(ws, flow.id);
  const polled = performance.now();
  process.stderr.write(`  poll: ${created} executions from ${(await stats()).ozonRequests - before.ozonRequests} Ozon requests in ${((polled - started) / 1000).toFixed(2)} s\n`);
  let now = before;
  let lastShown = -1;
  // Bounded: a run whose executions fail would never reach N orders.
  const deadline = Date.now() + Math.max(120, N * 3) * 1000;
  while (now.orders < N && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    now = await stats();
    if (Math.floor(now.orders / 250) !== lastShown) {
      lastShown = Math.floor(now.orders / 250);
      process.stderr.write(`  ${now.orders}/${N} orders, ${now.crm503} × 503\n`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const crmRequests = now.crmRequests - before.crmRequests;
  const perSecond = crmRequests / seconds;
  const result = {
    postings: N,
    executions: created,
    orders: now.orders,
    retailcrmRequestsPerOrder: Number(((now.crmRequests - before.crmRequests) / Math.max(1, now.orders)).toFixed(2)),
    distinctOrders: now.distinct,
    ozonRequests: now.ozonRequests - before.ozonRequests,
    retailcrmRequests: crmRequests,
    seconds: Number(seconds.toFixed(1)),
    retailcrmPerSecond: Number(perSecond.toFixed(2)),
    limit: 10,
    ratio: Number((perSecond / 10).toFixed(3)),
    retailcrm503: now.crm503 - before.crm503,
    peakRssMb: peakRssMb(process.pid),
  };
  console.log(JSON.stringify(result));
  console.log(`RetailCRM side at ${result.ratio} of its 10 req/s limit (${result.ratio >= 0.95 ? 'ok, ≥ 0.95' : 'BELOW 0.95'}), ${result.retailcrm503} × 503, peak RSS ${result.peakRssMb} MB`);
} finally {
  await app.stop();
  child.stdin!.end();
  rmSync(dataDir, { recursive: true, force: true });
}
