// A full disk on PostgreSQL (issue 15). Filling a real server's disk is impractical, so the real
// server raises the real error: a trigger on `webhooks` and `execution_steps` fails writes with
// SQLSTATE 53100 (disk_full, "could not extend file") while a flag table says the table's disk is
// full, and the pg driver carries it back as it would from a full disk. Deleting the flag is space
// returning. Webhooks refused for space get 503 with Retry-After, never a 200; /readyz and the log
// say why; intake resumes without a restart; a step's journal write refused for space is retried
// and the execution finishes with its output, the target called once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { isStorageFull } from '../../src/store/storage-errors.ts';
import type { NewWebhook, StepRecord } from '../../src/store/types.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { createTestDatabase, dropTestDatabase, TEST_DATABASE_URL } from '../support/database.ts';

const NEEDS_POSTGRES = TEST_DATABASE_URL
  ? false
  : 'skipped: PostgreSQL only — set SVYAZKA_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); the SQLite disk-full path is test/e2e/disk-full.test.ts';

/** The injected fault: a table listed in svz_test_full refuses inserts and updates as a full disk does. */
const FAULT = `
CREATE TABLE svz_test_full (tbl text PRIMARY KEY);
-- Sequences are not rolled back with the failed write: they count the refusals.
CREATE SEQUENCE svz_test_refused_webhooks;
CREATE SEQUENCE svz_test_refused_execution_steps;
CREATE FUNCTION svz_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM svz_test_full WHERE tbl = TG_TABLE_NAME) THEN
    PERFORM nextval(('svz_test_refused_' || TG_TABLE_NAME)::regclass);
    RAISE EXCEPTION 'could not extend file "base/16384/%": No space left on device', TG_TABLE_NAME
      USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER svz_test_disk_full BEFORE INSERT OR UPDATE ON webhooks FOR EACH ROW EXECUTE FUNCTION svz_test_disk_full();
CREATE TRIGGER svz_test_disk_full BEFORE INSERT OR UPDATE ON execution_steps FOR EACH ROW EXECUTE FUNCTION svz_test_disk_full();
`;

type FullTable = 'webhooks' | 'execution_steps';

/** Installs the fault in the database at `url`; the returned client turns it on and off and counts refusals. */
async function injectDiskFull(url: string) {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  await sql.query(FAULT);
  return {
    setFull: (table: FullTable) => sql.query('INSERT INTO svz_test_full (tbl) VALUES ($1)', [table]),
    freeSpace: (table: FullTable) => sql.query('DELETE FROM svz_test_full WHERE tbl = $1', [table]),
    /** Statements refused so far on `table` (the trigger raises at a statement's first row). */
    refused: async (table: FullTable) => {
      const { rows } = await sql.query<{ n: string }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM svz_test_refused_${table}`);
      return Number(rows[0].n);
    },
    count: async (table: string, ids: readonly string[]) =>
      (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::text[])`, [ids])).rows[0].n,
    close: () => sql.end(),
  };
}

/** The loopback target: counts calls per order number; the order 'held' waits until released. */
async function startTarget() {
  const calls = new Map<string, number>();
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const n = String((JSON.parse(Buffer.concat(chunks).toString() || '{}') as { n?: unknown }).n);
      calls.set(n, (calls.get(n) ?? 0) + 1);
      if (n === 'held') await released;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: n }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: (n: string) => calls.get(n) ?? 0,
    release,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('PostgreSQL disk_full: 503 with Retry-After for what is not stored, readyz and the log say why, journal writes retry, all resumes when space returns', { skip: NEEDS_POSTGRES }, async () => {
  const logLines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
  const target = await startTarget();
  let app: TestApp | null = null;
  let fault: Awaited<ReturnType<typeof injectDiskFull>> | null = null;
  try {
    app = await startTestApp({ logger });
    const url = app.services.config.databaseUrl;
    assert.ok(url, 'the test app runs on PostgreSQL');
    fault = await injectDiskFull(url);
    const { setFull, freeSpace, refused } = fault;

    const conn = await app.api('/api/v1/connections', { body: { name: 'target', connector: 'http', auth: { baseUrl: target.baseUrl } } });
    assert.equal(conn.status, 201, JSON.stringify(conn.json));
    const flow = await app.api('/api/v1/flows', {
      body: {
        name: 'full',
        enabled: true,
        trigger: { connector: 'webhook', event: 'incoming' },
        steps: [
          { id: 'ok', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'complete' }] },
          { id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: { n: '{{trigger.order.number}}' } } },
        ],
      },
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const hook = new URL(flow.json.webhookUrl).pathname;
    const send = async (number: string) => {
      const res = await fetch(app!.url + hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: { number, status: 'complete' } }) });
      return { number, status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as { id?: string; error?: string } };
    };
    const readyz = async () => {
      const res = await fetch(app!.url + '/readyz');
      return { status: res.status, json: (await res.json()) as { error?: string; message?: string } };
    };
    /** Eight at a time, so the intake's batches hold several webhooks. */
    const sendMany = async (prefix: string, count: number) => {
      const answers = [];
      for (let i = 0; i < count; i += 8) answers.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, k) => send(`${prefix}-${i + k}`)))));
      return answers;
    };
    const accepted = new Map<string, string>(); // webhook id → order number

    // Space: every webhook is stored.
    for (const a of await sendMany('before', 24)) {
      assert.equal(a.status, 200, JSON.stringify(a.json));
      accepted.set(a.json.id!, a.number);
    }
    assert.equal((await readyz()).status, 200);

    // The disk fills: nothing is acknowledged that was not stored. The fault is per table, so the
    // earlier executions finish first: a journal entry committing would prove space to spare, as
    // it would on a real disk, and clear the state.
    const allFinished = () => waitFor(async () => (await app!.services.store.listUnfinished(10)).length === 0, 60_000, 'the accepted executions to finish');
    await allFinished();
    await setFull('webhooks');
    const during = await sendMany('during', 24);
    for (const a of during) {
      assert.equal(a.status, 503, `never a 200 for a webhook that is not stored: ${a.status} ${JSON.stringify(a.json)}`);
      assert.equal(a.json.error, 'storage_full');
      assert.ok(Number(a.retryAfter) > 0, `Retry-After: ${a.retryAfter}`);
    }
    assert.ok((await refused('webhooks')) >= 1, 'the refusals came from the server');
    const notReady = await readyz();
    assert.equal(notReady.status, 503);
    assert.equal(notReady.json.error, 'storage_full');
    assert.match(notReady.json.message ?? '', /disk is full/);
    assert.match(notReady.json.message ?? '', /could not extend file/);
    assert.ok(logLines.some((l) => l.includes('webhooks refused with 503: the disk is full')), 'the log says why webhooks are refused');
    assert.equal(during.filter((a) => a.json.id).length, 0, 'a refused webhook has no id');

    // Space returns: intake takes webhooks again, no restart.
    await freeSpace('webhooks');
    for (const a of await sendMany('after', 16)) {
      assert.equal(a.status, 200, JSON.stringify(a.json));
      accepted.set(a.json.id!, a.number);
    }
    assert.equal((await readyz()).status, 200, 'ready again after the next write commits');
    await allFinished();

    // The journal's disk fills while a step's call is in flight: its result must not be lost.
    const held = await send('held');
    assert.equal(held.status, 200, JSON.stringify(held.json));
    accepted.set(held.json.id!, 'held');
    await waitFor(() => target.calls('held') === 1, 30_000, 'the held call to reach the target');
    await setFull('execution_steps');
    target.release();
    // Counted at the server: the step's write was refused, then tried again.
    await waitFor(async () => (await refused('execution_steps')) >= 2, 30_000, 'the journal write to be refused and retried');
    const journalFull = await readyz();
    assert.equal(journalFull.status, 503);
    assert.equal(journalFull.json.error, 'storage_full');
    assert.ok(logLines.some((l) => l.includes('journal write refused')), 'the log says the journal write waits for space');
    const runs = await app.api(`/api/v1/executions?webhookId=${held.json.id}`);
    const heldRun = runs.json.items[0] as { id: string; status: string };
    assert.equal(heldRun.status, 'running', 'not failed while the journal waits for space');

    await freeSpace('execution_steps');
    const done = await waitFor(async () => {
      const ex = await app!.api(`/api/v1/executions/${heldRun.id}`);
      return ex.json.status === 'succeeded' ? ex.json : null;
    }, 60_000, 'the held execution to finish');
    const step = (done.steps as Array<{ stepId: string; status: string; output: { status: number; data: unknown } }>).find((s) => s.stepId === 'send');
    assert.equal(step?.status, 'succeeded');
    assert.deepEqual([step?.output.status, step?.output.data], [200, { got: 'held' }]);
    assert.equal(target.calls('held'), 1, 'the step ran once: its result was kept, not the call repeated');
    assert.equal((await readyz()).status, 200, 'ready again once the journal write commits, with no webhook needed');

    // Every 200 is stored and its execution finished, the target called once for each.
    await waitFor(async () => (await app!.services.store.listUnfinished(10)).length === 0, 60_000, 'every accepted execution to finish');
    for (const [id, number] of accepted) {
      assert.equal((await app.api(`/api/v1/webhooks/${id}`)).status, 200, `webhook ${id} answered 200 and must be stored`);
      const ex = await app.api(`/api/v1/executions?webhookId=${id}`);
      assert.equal(ex.json.items[0]?.status, 'succeeded', `execution of ${number}`);
      assert.equal(target.calls(number), 1, `one call for ${number}`);
    }
    for (const a of during) assert.equal(target.calls(a.number), 0, `nothing ran for the refused ${a.number}`);

    const [firstId, firstNumber] = [...accepted][0];
    const replay = await app.api(`/api/v1/webhooks/${firstId}/replay`, { method: 'POST', body: {} });
    assert.ok(replay.status === 200 || replay.status === 201 || replay.status === 202, JSON.stringify(replay.json));
    const replayId = replay.json.id ?? replay.json.execution?.id;
    await waitFor(async () => (await app!.api(`/api/v1/executions/${replayId}`)).json.status === 'succeeded', 60_000, 'the replay to finish');
    assert.equal(target.calls(firstNumber), 2);
  } finally {
    target.release();
    await fault?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await target.close();
  }
});

test('PostgreSQL disk_full in the store: a batch refused for space is refused whole, the database marks the state, a committed webhook or journal entry clears it', { skip: NEEDS_POSTGRES }, async () => {
  const url = await createTestDatabase();
  const store = new PostgresStore(url);
  let fault: Awaited<ReturnType<typeof injectDiskFull>> | null = null;
  try {
    await store.migrate();
    fault = await injectDiskFull(url);
    const workspaceId = (await store.ensureWorkspace('default', 'Default')).id;
    const webhook = (id: string): NewWebhook => ({
      id, workspaceId, flowId: 'flw_full', method: 'POST', headers: {}, query: {}, body: { id }, bodyKind: 'json',
      contentType: 'application/json', size: 10, ip: '127.0.0.1', status: 'accepted', error: null, receivedAt: Date.now(),
    });

    await fault.setFull('webhooks');
    const ids = ['wh_f1', 'wh_f2', 'wh_f3', 'wh_f4', 'wh_f5'];
    // Submitted in one turn: one batch, one transaction.
    const results = await Promise.allSettled(ids.map((id) => store.acceptWebhook(webhook(id), null, '2026-03-06')));
    for (const r of results) {
      assert.equal(r.status, 'rejected', 'nothing acknowledged that was not stored');
      const reason = (r as PromiseRejectedResult).reason as { code?: string };
      assert.equal(reason.code, '53100');
      assert.ok(isStorageFull(reason));
      assert.ok(isStorageFull(new Error('wrapped', { cause: new Error('and again', { cause: reason }) })), 'found under causes too');
    }
    assert.equal(await fault.refused('webhooks'), 1, 'the batch was not written again item by item on a full disk');
    assert.equal(await fault.count('webhooks', ids), 0);
    assert.match(store.storage.problem()?.message ?? '', /disk is full.*could not extend file/);

    // A write that adds rows commits: space is back.
    await fault.freeSpace('webhooks');
    await store.acceptWebhook(webhook('wh_ok'), null, '2026-03-06');
    assert.equal(store.storage.problem(), null);

    // The journal: refused and marked by the database itself; an UPDATE that still fits does not
    // clear it; the entry committing does.
    await store.createExecution({ id: 'ex_full', workspaceId, flowId: 'flw_full', flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: 0 });
    const step: StepRecord = { executionId: 'ex_full', stepId: 'send', idx: 0, type: 'action', status: 'succeeded', input: {}, output: { ok: true }, error: null, attempts: 1, transactions: 0, resumeAt: null, startedAt: 1, finishedAt: 2 };
    await fault.setFull('execution_steps');
    await assert.rejects(store.saveStepAndExecution(step, 'ex_full', { status: 'succeeded', finishedAt: 2 }), (e: { code?: string }) => e.code === '53100');
    assert.ok(store.storage.problem());
    await assert.rejects(store.saveStep(step), (e: { code?: string }) => e.code === '53100');
    await store.updateExecution('ex_full', { retries: 1 });
    assert.ok(store.storage.problem(), 'an update committing does not prove space came back');
    await fault.freeSpace('execution_steps');
    await store.saveStepAndExecution(step, 'ex_full', { status: 'succeeded', finishedAt: 2 });
    assert.equal(store.storage.problem(), null);
    assert.deepEqual((await store.listSteps('ex_full')).map((s) => [s.stepId, s.status, s.output]), [['send', 'succeeded', { ok: true }]]);
  } finally {
    await fault?.close().catch(() => undefined);
    await store.close();
    await dropTestDatabase(url);
  }
});
