// `svyazka db copy --to postgres://…` as an operator moving to distributed mode runs it: a SQLite
// install made through the real app (workspace, member token, a connection with a secret, a flow,
// webhooks and their executions), copied by the real CLI into an empty PostgreSQL database, then
// the app started on the copy with the same data dir (its master key): the flow runs and the
// connection's secret still opens. Skipped, saying why, when no PostgreSQL answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { createTestDatabase, dropTestDatabase, postgresReachable, TEST_DATABASE_URL } from '../support/database.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const ADMIN = TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = (await postgresReachable(ADMIN)) ? false : `no PostgreSQL answers at ${new URL(ADMIN).host} (start it, or set SVYAZKA_TEST_DATABASE_URL to an admin URL)`;

function copy(dataDir: string, to: string) {
  const res = spawnSync(process.execPath, [BIN, 'db', 'copy', '--to', to], {
    env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

async function sendAndWait(app: TestApp, hookUrl: string, body: object): Promise<string> {
  const res = await fetch(hookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const { id } = (await res.json()) as { id: string };
  return waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${id}`)).json.items[0];
    return item && !['queued', 'running', 'retrying', 'waiting'].includes(item.status) ? item.status : undefined;
  }, 60_000, 'the execution to finish');
}

test('db copy: a SQLite install into an empty PostgreSQL database, every table counted; the app runs on the copy', { skip, timeout: 300_000 }, async () => {
  const echo = await startEchoTarget();
  const target = await createTestDatabase(ADMIN);
  // databaseUrl '' keeps this app on SQLite even when the suite runs on PostgreSQL.
  let app: TestApp | null = await startTestApp({ config: { databaseUrl: '' } });
  const dataDir = app.dataDir;
  try {
    assert.equal(app.services.store.constructor.name, 'SqliteStore');
    const conn = await app.api('/api/v1/connections', {
      body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl, headerName: 'X-Api-Key', headerValue: 'copied-s3cret' } },
    });
    assert.equal(conn.status, 201, JSON.stringify(conn.json));
    const flow = await app.api('/api/v1/flows', {
      body: {
        name: 'copied flow',
        enabled: true,
        trigger: { connector: 'webhook', event: 'incoming' },
        steps: [{ id: 'call', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/copied', body: { n: '{{trigger.n}}' } } }],
      },
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const hookUrl: string = flow.json.webhookUrl;
    for (let n = 1; n <= 3; n++) assert.equal(await sendAndWait(app, hookUrl, { n }), 'succeeded');
    await app.stop();
    app = null;

    const copied = copy(dataDir, target);
    assert.equal(copied.code, 0, copied.stderr);
    const counts = new Map(
      copied.stdout
        .split('\n')
        .map((line) => /^(\w+)\s+(\d+)\s+(\d+)$/.exec(line))
        .filter((m) => m !== null)
        .map((m) => [m[1], { sqlite: Number(m[2]), postgres: Number(m[3]) }]),
    );
    for (const table of ['workspaces', 'api_tokens', 'connections', 'flows', 'flow_versions', 'webhooks', 'executions', 'execution_steps', 'usage_daily', 'usage_flow_month', 'audit_log', 'change_feed']) {
      const c = counts.get(table);
      assert.ok(c, `${table} is in the printed table`);
      assert.ok(c.sqlite > 0, `${table} had rows to copy`);
      assert.equal(c.postgres, c.sqlite, table);
    }
    assert.equal(counts.get('webhooks')!.postgres, 3);
    assert.match(copied.stdout, /row counts match/);

    // A second copy into the same database is refused: it is not empty any more.
    const again = copy(dataDir, target);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);

    // The same data dir (its master key) on the PostgreSQL copy: the token, the flow and the sealed secret all work.
    app = await startTestApp({ dataDir, config: { databaseUrl: target } });
    assert.equal(app.services.store.constructor.name, 'PostgresStore');
    const flows = await app.api('/api/v1/flows');
    assert.deepEqual(flows.json.items.map((f: { name: string }) => f.name), ['copied flow']);
    assert.equal((await app.api('/api/v1/webhooks')).json.items.length, 3);
    echo.reset();
    assert.equal(await sendAndWait(app, hookUrl, { n: 4 }), 'succeeded');
    const got = echo.received().filter((r) => r.path === '/copied');
    assert.equal(got.length, 1);
    assert.equal(got[0].headers['x-api-key'], 'copied-s3cret', 'the connection secret, sealed in SQLite, opens on PostgreSQL');
    assert.deepEqual(got[0].body, { n: 4 });
    // The copied change feed goes on from where SQLite left it.
    const seq = await app.services.store.changes.lastSeq();
    assert.ok(seq >= counts.get('change_feed')!.sqlite);
  } finally {
    await app?.stop();
    await echo.close();
    await dropTestDatabase(target, ADMIN);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
