// A database that does not answer (here: SQLite locked by another process past its busy timeout;
// on PostgreSQL a server that is down or restarting) stores nothing, so the webhook gets a 503
// with Retry-After — the sender tries again — never a 200 and not a 500; intake resumes by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startTestApp, tempDataDir } from '../support/app.ts';
import { SQLITE_ONLY } from '../support/database.ts';
import { isStorageUnavailable } from '../../src/store/storage-errors.ts';

test('SQLite locked by another process: 503 storage_unavailable with Retry-After, then 200 once released', { skip: SQLITE_ONLY }, async () => {
  const dataDir = tempDataDir();
  const app = await startTestApp({ dataDir });
  const other = new DatabaseSync(join(dataDir, 'svyazka.db'));
  try {
    const flow = await app.api('/api/v1/flows', { body: { name: 'locked', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [] } });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const hook = app.url + new URL(flow.json.webhookUrl).pathname;
    const send = () => fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });

    other.exec('BEGIN IMMEDIATE'); // holds the write lock past the server's 5 s busy timeout
    const refused = await send();
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
    const body = (await refused.json()) as { error: string; messageRu: string };
    assert.equal(body.error, 'storage_unavailable');
    assert.match(body.messageRu, /базе данных/);
    other.exec('ROLLBACK');

    const accepted = await send();
    assert.equal(accepted.status, 200, 'intake resumes without a restart');
    const list = await app.api('/api/v1/webhooks');
    assert.equal(list.json.items.length, 1, 'only the accepted webhook is stored');
  } finally {
    other.close();
    await app.close();
  }
});

test('what counts as an unavailable database', () => {
  assert.equal(isStorageUnavailable(Object.assign(new Error('database is locked'), { errcode: 5 })), true);
  assert.equal(isStorageUnavailable(Object.assign(new Error('the database system is shutting down'), { code: '57P01' })), true);
  assert.equal(isStorageUnavailable(Object.assign(new Error('connection failure'), { code: '08006' })), true);
  assert.equal(isStorageUnavailable(new Error('wrapped', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })), true);
  assert.equal(isStorageUnavailable(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isStorageUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
  assert.equal(isStorageUnavailable(new Error('boom')), false);
});
