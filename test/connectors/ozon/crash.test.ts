// kill -9 in the middle of polling Ozon and creating RetailCRM orders, then a restart: every
// posting becomes exactly one RetailCRM order. The poll's cursor and new executions commit together,
// a posting seen again finds its key taken, and an order step cut off by the kill is sent again with
// the same idempotency key (RetailCRM's externalId), so the order is not made twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { openServices } from '../../../src/app.ts';
import { startOzonSandbox } from '../../../src/connectors/ozon/sandbox.ts';
import { startRetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { databaseEnv, dropDatabaseFor } from '../../support/database.ts';
import { tempDataDir, testConfig, UNLIMITED_PLANS, waitFor } from '../../support/app.ts';

const POSTINGS = 90;
const LATER = 15;
const RATE = 30;
const ROOT = new URL('../../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function startServer(dataDir: string, port: number, dbEnv: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'test/connectors/ozon/fixtures/fast-poll-server.ts')], {
    env: { ...process.env, ...dbEnv, PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SVYAZKA_RETRY_BASE_MS: '100', SVYAZKA_RETRY_MAX_MS: '1000', SVYAZKA_PLANS_FILE: UNLIMITED_PLANS, SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1', TEST_RETAILCRM_RATE: String(RATE) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

test('kill -9 while polling Ozon and creating RetailCRM orders: after a restart every posting is exactly one order', { timeout: 300_000 }, async () => {
  const ozon = await startOzonSandbox({ seed: 3, records: 0, fboRecords: 0 });
  const crm = await startRetailcrmSandbox({ seed: 3, records: 1, rateLimit: RATE });
  const dataDir = tempDataDir();
  const port = await freePort();
  let child: ChildProcess | null = null;
  try {
    ozon.addPostings(POSTINGS);
    // On SQLite the data dir holds the database; with SVYAZKA_TEST_DATABASE_URL a fresh PostgreSQL one.
    const dbEnv = await databaseEnv(dataDir);
    const setup = await openServices(testConfig(dataDir, { port, databaseUrl: dbEnv.DATABASE_URL }));
    try {
      const ws = setup.defaultWorkspace.id;
      await setup.connections.save(ws, { name: 'ozon', connector: 'ozon', auth: ozon.credentials });
      await setup.connections.save(ws, { name: 'retailcrm', connector: 'retailcrm', auth: crm.credentials });
      const flow = JSON.parse(await (await import('node:fs/promises')).readFile(join(ROOT, 'examples/ozon-to-retailcrm.json'), 'utf8'));
      await setup.flows.save(ws, { ...flow, enabled: true, trigger: { ...flow.trigger, options: { schemes: 'fbs', intervalSeconds: 60 } } });
    } finally {
      await setup.store.close();
    }
    const ordersOf = () => crm.state.orders.filter((o) => String(o.number ?? '').startsWith('OZ-'));

    child = startServer(dataDir, port, dbEnv);
    // Killed while the orders are being made, and while new postings keep the polls finding more.
    await waitFor(() => (ordersOf().length >= POSTINGS / 3 ? true : undefined), 120_000, 'a third of the orders');
    ozon.addPostings(5);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const atKill = ordersOf().length;
    assert.ok(atKill < POSTINGS + 5, `killed mid-way: ${atKill} orders`);

    child = startServer(dataDir, port, dbEnv);
    ozon.addPostings(LATER);
    const total = POSTINGS + 5 + LATER;
    await waitFor(() => (ordersOf().length >= total ? true : undefined), 180_000, `${total} orders after the restart`);
    // A moment more for anything that would come twice, then the count must still be exact.
    await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return res.ok ? true : undefined;
    }, 30_000, 'ready');
    const numbers = ordersOf().map((o) => String(o.number));
    const postings = ozon.state.fbs.map((p) => `OZ-${String(p.posting_number)}`);
    assert.equal(new Set(numbers).size, numbers.length, 'no posting made two orders');
    assert.deepEqual([...numbers].sort(), [...postings].sort(), 'every posting made its order');
    process.stdout.write(`# ozon crash: ${atKill} orders at the kill, ${numbers.length} after the restart for ${postings.length} postings\n`);
  } finally {
    child?.kill('SIGKILL');
    await dropDatabaseFor(dataDir);
    await ozon.close();
    await crm.close();
  }
});
