// kill -9 while a service's circuit is open: the executions waiting for it are in the store (status
// waiting_for_service, their place in line in circuit_waits), so after a restart they are still
// waiting — not failed, not run — and when the service is back they drain by themselves, each order
// created once. Runs on SQLite, or on PostgreSQL with SVYAZKA_TEST_DATABASE_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openServices } from '../../src/app.ts';
import { hashSecret, newApiToken } from '../../src/api/auth.ts';
import { startRetailcrmSandbox } from '../../src/connectors/retailcrm/sandbox.ts';
import { tempDataDir, testConfig, UNLIMITED_PLANS, waitFor } from '../support/app.ts';
import { databaseEnv, dropDatabaseFor, withTestDatabase } from '../support/database.ts';
import { sendAll } from './support.ts';

const TOTAL = 40;
const ROOT = new URL('../../', import.meta.url).pathname;

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
  return spawn(process.execPath, [join(ROOT, 'bin/svyazka.js'), 'serve'], {
    env: {
      ...process.env,
      ...dbEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      SVYAZKA_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SVYAZKA_PLANS_FILE: UNLIMITED_PLANS,
      SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1',
      SVYAZKA_RETRY_BASE_MS: '50',
      SVYAZKA_RETRY_MAX_MS: '1000',
      // The install's probe schedule at 1:1000 (30 s first, at most every 10 min).
      SVYAZKA_CIRCUIT_PROBE_MS: '30',
      SVYAZKA_CIRCUIT_PROBE_MAX_MS: '600',
      SVYAZKA_CIRCUIT_PROBE_LEASE_MS: '2000',
      SVYAZKA_CIRCUIT_REFRESH_MS: '50',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(port: number): Promise<void> {
  await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 120_000, 'server health');
}

test('kill -9 while the circuit is open: after the restart the executions still wait, and drain when the service is back', { timeout: 300_000 }, async (t) => {
  const crm = await startRetailcrmSandbox({ seed: 9, records: 2 });
  const dataDir = tempDataDir();
  const port = await freePort();
  const dbEnv = await databaseEnv(dataDir);
  let child: ChildProcess | null = null;
  try {
    const token = newApiToken();
    let hookToken: string;
    let flowId: string;
    let connectionId: string;
    const setup = await openServices(testConfig(dataDir, await withTestDatabase(dataDir, { port })));
    try {
      const ws = setup.defaultWorkspace.id;
      await setup.store.createApiToken({ workspaceId: ws, userId: null, role: 'owner', name: 'outage test', tokenHash: hashSecret(token) });
      connectionId = (await setup.connections.save(ws, { name: 'crm', connector: 'retailcrm', auth: crm.credentials })).id;
      const flow = await setup.flows.save(ws, {
        name: 'outage-kill',
        enabled: true,
        trigger: { connector: 'webhook', event: 'incoming' },
        steps: [{ id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { number: 'K-{{trigger.n}}' } }],
      });
      hookToken = flow.hookToken!;
      flowId = flow.id;
    } finally {
      await setup.store.close();
    }
    const api = async (path: string) => (await fetch(`http://127.0.0.1:${port}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
    const counts = async () => {
      const items = (await api(`/executions?flowId=${flowId}&limit=100`)).items as Array<{ status: string }>;
      const out: Record<string, number> = {};
      for (const e of items) out[e.status] = (out[e.status] ?? 0) + 1;
      return out;
    };

    crm.outage.start(503, 3600);
    child = startServer(dataDir, port, dbEnv);
    await waitHealthy(port);
    await sendAll(`http://127.0.0.1:${port}/hooks/${hookToken}`, Array.from({ length: TOTAL }, (_, i) => ({ n: i })), 10);
    await waitFor(async () => {
      const c = await api(`/connections/${connectionId}`);
      return c.health === 'down' && c.waiting >= TOTAL - 1;
    }, 60_000, 'every execution waiting for the service');
    const before = await counts();
    t.diagnostic(`before the kill: ${JSON.stringify(before)}`);

    child.kill('SIGKILL');
    await new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(null) : child!.once('exit', resolve)));
    child = startServer(dataDir, port, dbEnv);
    await waitHealthy(port);

    // Still waiting after the restart: nothing failed, nothing ran, the connection still down. Out of
    // line at most two, each queued: the probe the killed process had let out (it runs again and
    // parks) and the probe the new one lets out once the dead one's lease runs out.
    const c = await api(`/connections/${connectionId}`);
    assert.notEqual(c.health, 'ok', JSON.stringify(c));
    assert.ok(c.waiting >= TOTAL - 2, `waiting after restart: ${c.waiting}`);
    const after = await counts();
    assert.equal((after.succeeded ?? 0) + (after.failed ?? 0), 0, JSON.stringify(after));
    assert.equal((after.waiting_for_service ?? 0) + (after.queued ?? 0), TOTAL, JSON.stringify(after));
    assert.ok((after.waiting_for_service ?? 0) >= TOTAL - 2, JSON.stringify(after));
    const ordersBefore = crm.state.orders.length;

    // The service comes back: the executions drain by themselves.
    crm.outage.end();
    await waitFor(async () => ((await counts()).succeeded ?? 0) === TOTAL, 120_000, 'every execution to succeed');
    assert.equal(crm.state.orders.length - ordersBefore, TOTAL, 'each order created once');
    assert.equal(new Set(crm.state.orders.slice(ordersBefore).map((o) => o.externalId)).size, TOTAL);
    assert.equal((await api(`/connections/${connectionId}`)).health, 'ok');
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    await crm.close();
    await dropDatabaseFor(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
