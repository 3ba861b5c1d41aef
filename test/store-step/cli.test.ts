// `svyazka store …` as a user runs it: a real process on a real data dir (its own PostgreSQL
// database with SVYAZKA_TEST_DATABASE_URL).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDataDir } from '../support/app.ts';
import { databaseEnv, dropDatabaseFor } from '../support/database.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
let dataDir: string;
let dbEnv: Record<string, string> = {};

function cli(args: string[], input?: string) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...dbEnv },
    input,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

before(async () => {
  dataDir = tempDataDir();
  dbEnv = await databaseEnv(dataDir);
});
after(async () => {
  await dropDatabaseFor(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

test('store set, get, list, export, delete', () => {
  const set = cli(['store', 'set', 'deals', '100A', '{"dealId": 42}']);
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(JSON.parse(set.stdout).value, { dealId: 42 });
  assert.equal(cli(['store', 'set', 'deals', '100B', 'CT-7']).code, 0);
  assert.equal(cli(['store', 'set', 'deals', '200', '-', '--ttl', '3600'], '[1,2]\n').code, 0);

  const get = cli(['store', 'get', 'deals', '100A']);
  assert.equal(get.code, 0, get.stderr);
  assert.equal(get.stdout, '{"dealId":42}\n');
  assert.equal(cli(['store', 'get', 'deals', '100B']).stdout, 'CT-7\n', 'text prints as it is');
  const missing = cli(['store', 'get', 'deals', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No record "nope" in collection "deals"/);

  assert.equal(cli(['store', 'list']).stdout, 'deals\t3\n');
  assert.equal(cli(['store', 'list', 'deals', '--prefix', '100']).stdout, '100A\t{"dealId":42}\n100B\t"CT-7"\n');
  const paged = cli(['store', 'list', 'deals', '--limit', '1']);
  assert.equal(paged.stdout, '100A\t{"dealId":42}\nmore: --after 100A\n');

  const exported = cli(['store', 'export', 'deals']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(exported.map((r) => [r.key, r.value]), [['100A', { dealId: 42 }], ['100B', 'CT-7'], ['200', [1, 2]]]);
  assert.ok(exported[2].expiresAt);

  assert.equal(cli(['store', 'delete', 'deals', '100B']).code, 0);
  assert.equal(cli(['store', 'delete', 'deals', '100B']).code, 1);
  const bad = cli(['store', 'set', 'bad name', 'k', '1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Collection name/);
});
