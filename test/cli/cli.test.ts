// The `svyazka` command as a user runs it: a real process on a real data dir.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from '../support/app.ts';
import { databaseEnv, dropDatabaseFor } from '../support/database.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
let dataDir: string;
/** DATABASE_URL of the data dir's own database when the suite runs on PostgreSQL. */
let dbEnv: Record<string, string> = {};

function cli(args: string[], input?: string) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1', ...dbEnv },
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

test('token create prints only a token and creates the master key with mode 0600', () => {
  const res = cli(['token', 'create', '--workspace', 'default']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^svz_[A-Za-z0-9_-]{43}\n$/);
  assert.equal(statSync(join(dataDir, 'secret.key')).mode & 0o777, 0o600);
  const bad = cli(['token', 'create', '--workspace', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /No workspace "nope"/);
});

test('flow import / list / export, and a clear error for an invalid flow', () => {
  const file = join(dataDir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'cli flow', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'v', type: 'set', values: { a: '{{trigger.a}}' } }] }));
  const imported = cli(['flow', 'import', file, '--workspace', 'default']);
  assert.equal(imported.code, 0, imported.stderr);
  const flow = JSON.parse(imported.stdout);
  assert.match(flow.id, /^fl_/);
  assert.match(flow.webhookUrl, /^http:\/\/localhost:3000\/hooks\/[a-z0-9]{32}$/);

  const list = JSON.parse(cli(['flow', 'list', '--json']).stdout);
  assert.equal(list.length, 1);
  assert.equal(list[0].webhookUrl, flow.webhookUrl);
  const exported = JSON.parse(cli(['flow', 'export', 'cli flow']).stdout);
  assert.equal(exported.steps[0].id, 'v');

  writeFileSync(file, JSON.stringify({ name: 'broken', trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'v', type: 'set', values: { a: '{{steps.nope.x}}' } }] }));
  const broken = cli(['flow', 'import', file]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /steps\[0\] \(v\)\.values\.a: .*unknown step id/);
  const missing = cli(['flow', 'import', join(dataDir, 'nope.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ENOENT|no such file/i);
});

test('connection add stores secrets encrypted and never prints them', () => {
  const res = cli(['connection', 'add', '--name', 'api', '--connector', 'http', '--auth', '{"baseUrl":"http://127.0.0.1:1","headerName":"X-Key","headerValue":"cli-secret"}']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout.includes('cli-secret'), false);
  const test_ = cli(['connection', 'test', 'api']);
  assert.equal(test_.code, 1);
  assert.equal(JSON.parse(test_.stdout).ok, false);
  assert.equal(cli(['connection', 'add', '--name', 'x', '--connector', 'http', '--auth', 'not json']).code, 1);
});

test('catalog --json has the published shape; unknown commands and connectors fail clearly', () => {
  const res = cli(['catalog', 'http', '--json']);
  assert.equal(res.code, 0, res.stderr);
  const catalog = JSON.parse(res.stdout);
  assert.equal(catalog.connector, 'http');
  assert.ok(Array.isArray(catalog.events) && Array.isArray(catalog.actions));
  assert.ok(catalog.actions[0].input.every((f: object) => 'id' in f && 'label' in f && 'required' in f));
  const unknown = cli(['catalog', 'nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown connector "nope"/);
  assert.notEqual(cli(['frobnicate']).code, 0);
  const help = cli(['--help']);
  assert.match(help.stdout, /serve/);
  assert.match(help.stdout, /catalog/);
});

test('webhook replay and execution retry explain missing ids', () => {
  const replay = cli(['webhook', 'replay', 'wh_nope']);
  assert.equal(replay.code, 1);
  assert.match(replay.stderr, /Webhook not found/);
  const retry = cli(['execution', 'retry', 'ex_nope']);
  assert.equal(retry.code, 1);
  assert.match(retry.stderr, /Execution not found/);
});
