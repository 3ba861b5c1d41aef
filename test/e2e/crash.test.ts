// Crash safety with a real process: 5,000 concurrent webhooks, kill -9 in the middle, restart.
// Every webhook that got 200 must be in history and its execution must reach the target; a step
// repeats only if it was in flight at the kill (at most SVYAZKA_WORKERS of them), and then with the
// same idempotency key. Nothing acknowledged is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Pool } from 'undici';
import { openServices } from '../../src/app.ts';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { tempDataDir, testConfig, UNLIMITED_PLANS, waitFor } from '../support/app.ts';
import { SQLITE_ONLY } from '../support/database.ts';

const TOTAL = 5000;
const KILL_AFTER_ACKS = 2000;
const IN_FLIGHT = 200;
/** SVYAZKA_WORKERS of the crash run: at most this many steps are in flight when it is killed. */
const WORKERS = 32;
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

function startServer(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin/svyazka.js'), 'serve'], {
    env: { ...process.env, SVYAZKA_WORKERS: String(WORKERS), PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SVYAZKA_RETRY_BASE_MS: '100', SVYAZKA_PLANS_FILE: UNLIMITED_PLANS, SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1' },
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

/** A data dir with an `echo` connection and one enabled webhook flow; returns the flow's hook token. */
async function prepareDataDir(dataDir: string, port: number, echoUrl: string, name: string, steps: object[]): Promise<string> {
  const setup = await openServices(testConfig(dataDir, { port }));
  try {
    const ws = setup.defaultWorkspace.id;
    await setup.connections.save(ws, { name: 'echo', connector: 'http', auth: { baseUrl: echoUrl } });
    const flow = await setup.flows.save(ws, { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps });
    return flow.hookToken!;
  } finally {
    await setup.store.close();
  }
}

test('kill -9 during 5,000 concurrent webhooks loses nothing acknowledged; only steps in flight at the kill repeat, with their key', { timeout: 600_000, skip: SQLITE_ONLY }, async (t) => {
  const echo = await startEchoTarget();
  const dataDir = tempDataDir();
  const port = await freePort();
  let child: ChildProcess | null = null;
  try {
    const hookToken = await prepareDataDir(dataDir, port, echo.baseUrl, 'crash', [
      { id: 'only', type: 'filter', all: [{ left: '{{trigger.n}}', op: 'exists' }] },
      { id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/hit', body: { n: '{{trigger.n}}' } } },
    ]);

    child = startServer(dataDir, port);
    await waitHealthy(port);

    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT });
    const acked: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < TOTAL) {
        const n = next++;
        try {
          const res = await pool.request({ method: 'POST', path: `/hooks/${hookToken}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
          const body = (await res.body.json()) as { id?: string };
          if (res.statusCode === 200 && body.id) acked.push(body.id);
        } catch {
          // connection refused or reset by the kill: not acknowledged, so not promised
        }
        if (!killed && acked.length >= KILL_AFTER_ACKS) {
          killed = true;
          child!.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await pool.close();
    assert.ok(killed, 'the server was killed mid-run');
    t.diagnostic(`${acked.length} of ${TOTAL} webhooks acknowledged before and after the kill`);
    await new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(null) : child!.once('exit', resolve)));

    child = startServer(dataDir, port);
    await waitHealthy(port);

    const db = new DatabaseSync(join(dataDir, 'svyazka.db'), { readOnly: true });
    try {
      await waitFor(
        () => (db.prepare(`SELECT count(*) AS n FROM executions WHERE status NOT IN ('succeeded','failed','filtered','stopped','cancelled')`).get() as { n: number }).n === 0,
        300_000,
        'every execution to finish',
      );
      const hasWebhook = db.prepare('SELECT status FROM webhooks WHERE id = ?');
      const executionOf = db.prepare(`SELECT id, status FROM executions WHERE webhook_id = ? AND origin = 'webhook'`);
      const counts = echo.countByKey();
      for (const id of acked) {
        assert.equal((hasWebhook.get(id) as { status: string } | undefined)?.status, 'accepted', `acknowledged webhook ${id} is in history`);
        const ex = executionOf.all(id) as Array<{ id: string; status: string }>;
        assert.equal(ex.length, 1, `one execution for ${id}`);
        assert.equal(ex[0].status, 'succeeded');
        assert.ok((counts.get(`svz-${ex[0].id}-hit`) ?? 0) >= 1, `acknowledged webhook ${id}: execution ${ex[0].id} reached the target`);
      }
      // Every request at the target carries the key of a succeeded execution's step (a repeat is
      // the same key again, never a new one), and only steps in flight at the kill repeat: at most
      // WORKERS repeats in all.
      const succeeded = new Set((db.prepare(`SELECT id FROM executions WHERE status = 'succeeded'`).all() as Array<{ id: string }>).map((r) => `svz-${r.id}-hit`));
      const keys = [...counts.keys()];
      assert.ok(keys.every((k) => succeeded.has(k)), `keys at the target not of a succeeded execution: ${keys.filter((k) => !succeeded.has(k)).slice(0, 5).join(', ')}`);
      assert.equal(keys.length, succeeded.size, 'every succeeded execution reached the target under its own key');
      const repeated = [...counts].filter(([, n]) => n > 1);
      const duplicates = repeated.reduce((sum, [, n]) => sum + n - 1, 0);
      t.diagnostic(`${duplicates} duplicate request(s) at the target, over ${repeated.length} key(s)`);
      assert.ok(duplicates <= WORKERS, `${duplicates} duplicates > ${WORKERS} steps that could be in flight at the kill`);
      assert.ok(acked.length >= KILL_AFTER_ACKS);
    } finally {
      db.close();
    }
  } finally {
    child?.kill('SIGKILL');
    await echo.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a crash mid-execution resumes at the unfinished step and does not call a finished one again', { timeout: 120_000, skip: SQLITE_ONLY }, async () => {
  const echo = await startEchoTarget();
  const dataDir = tempDataDir();
  const port = await freePort();
  let child: ChildProcess | null = null;
  try {
    const hookToken = await prepareDataDir(dataDir, port, echo.baseUrl, 'resume', [
      { id: 'first', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/first' } },
      { id: 'slow', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/slow/4000' } },
    ]);
    child = startServer(dataDir, port);
    await waitHealthy(port);
    const res = await fetch(`http://127.0.0.1:${port}/hooks/${hookToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
    // The slow step has reached the target, so the first one is journalled (steps run in order).
    await waitFor(() => echo.received().some((r) => r.path === '/slow/4000'), 60_000, 'the slow step to start');
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    child = startServer(dataDir, port);
    await waitHealthy(port);
    const db = new DatabaseSync(join(dataDir, 'svyazka.db'), { readOnly: true });
    try {
      const ex = await waitFor(() => {
        const row = db.prepare('SELECT id, status FROM executions').get() as { id: string; status: string } | undefined;
        return row && row.status === 'succeeded' ? row : undefined;
      }, 120_000, 'the execution to finish after restart');
      const counts = echo.countByKey();
      assert.equal(counts.get(`svz-${ex.id}-first`), 1, 'the finished step was not called again');
      assert.ok((counts.get(`svz-${ex.id}-slow`) ?? 0) >= 1);
    } finally {
      db.close();
    }
  } finally {
    child?.kill('SIGKILL');
    await echo.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
