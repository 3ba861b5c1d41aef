// kill -9 in the middle of 1,000 concurrent executions of a flow of `store` steps, then a restart:
// the counters equal the number of executions exactly, each execution journaled its own count,
// and setIfAbsent answered true exactly once — a store write and its step's journal entry commit
// together, so a resumed execution never writes twice. Runs on SQLite, or on PostgreSQL with
// SVYAZKA_TEST_DATABASE_URL (the child server gets the data dir's DATABASE_URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { openServices } from '../../src/app.ts';
import { hashSecret, newApiToken } from '../../src/api/auth.ts';
import { tempDataDir, testConfig, UNLIMITED_PLANS, waitFor } from '../support/app.ts';
import { databaseEnv, dropDatabaseFor, openTestStore, withTestDatabase } from '../support/database.ts';

const TOTAL = 1000;
const KILL_AFTER_ACKS = 300;
const ROOT = new URL('../../', import.meta.url).pathname;
const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);

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
    env: { ...process.env, ...dbEnv, SVYAZKA_WORKERS: '32', PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: UNLIMITED_PLANS },
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

test('kill -9 during 1,000 concurrent executions of store steps, then restart: increments and setIfAbsent stay exact', { timeout: 900_000 }, async (t) => {
  const dataDir = tempDataDir();
  const port = await freePort();
  const dbEnv = await databaseEnv(dataDir);
  let child: ChildProcess | null = null;
  try {
    const setup = await openServices(testConfig(dataDir, await withTestDatabase(dataDir, { port })));
    let hookToken: string;
    let flowId: string;
    const token = newApiToken();
    try {
      await setup.store.createApiToken({ workspaceId: setup.defaultWorkspace.id, userId: null, role: 'viewer', name: 'crash test', tokenHash: hashSecret(token) });
      const flow = await setup.flows.save(setup.defaultWorkspace.id, {
        name: 'store-crash',
        enabled: true,
        trigger: { connector: 'webhook', event: 'incoming' },
        steps: [
          { id: 'inc', type: 'store', operation: 'increment', collection: 'crash', key: 'hits' },
          { id: 'claim', type: 'store', operation: 'setIfAbsent', collection: 'crash', key: 'winner', value: '{{trigger.n}}' },
          { id: 'log', type: 'store', operation: 'append', collection: 'crash', key: 'n-{{trigger.n}}', value: '{{steps.inc.value}}' },
          { id: 'inc2', type: 'store', operation: 'increment', collection: 'crash', key: 'hits2', value: 2 },
        ],
      });
      hookToken = flow.hookToken!;
      flowId = flow.id;
    } finally {
      await setup.store.close();
    }

    child = startServer(dataDir, port, dbEnv);
    await waitHealthy(port);
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 50 });
    let acked = 0;
    const ackedNs = new Set<number>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < TOTAL) {
        const n = next++;
        try {
          const res = await pool.request({ method: 'POST', path: `/hooks/${hookToken}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
          await res.body.dump();
          if (res.statusCode === 200) {
            acked++;
            ackedNs.add(n);
          }
        } catch {
          // refused or reset by the kill: not acknowledged
        }
        if (!killed && acked >= KILL_AFTER_ACKS) {
          killed = true;
          child!.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    await pool.close();
    assert.ok(killed, 'the server was killed mid-run');
    await new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(null) : child!.once('exit', resolve)));
    t.diagnostic(`${acked} of ${TOTAL} webhooks acknowledged`);
    {
      // What the kill left: executions not finished, some with only part of their steps journaled.
      const dead = await openTestStore(dataDir, { migrate: false });
      try {
        const ws = (await dead.getWorkspaceBySlug('default'))!.id;
        const open = (await dead.listExecutions(ws, { flowId: flowId!, limit: 5000 })).items.filter((e) => !FINAL.has(e.status));
        let partial = 0;
        for (const e of open) if ((await dead.listSteps(e.id)).length > 0) partial++;
        t.diagnostic(`at the kill: ${open.length} executions unfinished, ${partial} of them with some steps journaled`);
      } finally {
        await dead.close();
      }
    }

    child = startServer(dataDir, port, dbEnv);
    await waitHealthy(port);
    // The webhooks the kill refused are sent again (as a sender would): 1,000 at least in all.
    const resend = new Pool(`http://127.0.0.1:${port}`, { connections: 50 });
    const missing = Array.from({ length: TOTAL }, (_, n) => n).filter((n) => !ackedNs.has(n));
    await Promise.all(Array.from({ length: 50 }, async () => {
      for (let n = missing.pop(); n !== undefined; n = missing.pop()) {
        const res = await resend.request({ method: 'POST', path: `/hooks/${hookToken}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
        await res.body.dump();
        assert.equal(res.statusCode, 200);
      }
    }));
    await resend.close();
    // The running server is asked over HTTP (SQLite: the test must not hold its file while it works).
    const statuses = async () => {
      const seen: string[] = [];
      let before = '';
      for (let page = 0; page < 20; page++) {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/executions?flowId=${flowId}&limit=500${before}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { items: Array<{ status: string }>; next: string | null };
        seen.push(...body.items.map((e) => e.status));
        if (!body.next) break;
        before = `&before=${body.next}`;
      }
      return seen;
    };
    await waitFor(async () => (await statuses()).every((s) => FINAL.has(s)), 600_000, 'every execution to finish after the restart');
    child.kill('SIGKILL');
    await new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(null) : child!.once('exit', resolve)));
    const store = await openTestStore(dataDir, { migrate: false });
    try {
      const ws = (await store.getWorkspaceBySlug('default'))!.id;
      const executions = (await store.listExecutions(ws, { flowId, limit: 5000 })).items;
      const n = executions.length;
      t.diagnostic(`${n} executions (every acknowledged webhook and any stored before the kill)`);
      assert.ok(n >= TOTAL, `${n} executions for ${TOTAL} webhooks`);
      assert.ok(executions.every((e) => e.status === 'succeeded'));
      const now = Date.now();
      assert.equal((await store.collections.get(ws, 'crash', 'hits', now))?.value, n, 'one increment per execution');
      assert.equal((await store.collections.get(ws, 'crash', 'hits2', now))?.value, 2 * n);
      const counts = new Set<number>();
      const byN = new Map<number, number[]>();
      let winners = 0;
      for (const e of executions) {
        const steps = await store.listSteps(e.id);
        const inc = (steps.find((s) => s.stepId === 'inc')!.output as { value: number }).value;
        counts.add(inc);
        if ((steps.find((s) => s.stepId === 'claim')!.output as { set: boolean }).set) winners++;
        const key = (e.trigger as { n: number }).n;
        byN.set(key, [...(byN.get(key) ?? []), inc]);
      }
      // Each list holds exactly the counts its executions journaled (two when a webhook stored at the kill was sent again).
      for (const [key, incs] of byN) {
        const list = (await store.collections.get(ws, 'crash', `n-${key}`, now))?.value as number[];
        assert.deepEqual([...list].sort((a, b) => a - b), incs.sort((a, b) => a - b), `n-${key}`);
      }
      assert.equal(counts.size, n, 'every execution journaled a count of its own');
      assert.equal(Math.max(...counts), n);
      assert.equal(winners, 1, 'setIfAbsent answered true once');
    } finally {
      await store.close();
    }
  } finally {
    child?.kill('SIGKILL');
    if (child && child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child!.once('exit', resolve));
    await dropDatabaseFor(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
