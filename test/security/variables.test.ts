// Workspace variables through a running app: a flow's request carries the real value to a
// loopback target, while the secret value appears in no API answer, no journal (API and the
// SQLite file's bytes), no log line; a change made by the CLI in another process applies to the
// next execution; another workspace can neither read nor use it; `env` only where allowed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startEchoTarget, type EchoTarget } from '../../src/connectors/http/echo-target.ts';
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import type { ConnectorDefinition } from '../../src/connector-kit/types.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { databaseEnvOf, storedBytes } from '../support/database.ts';

const SECRET = 'sv-Secret-7d1f9c2e44aa';
const ROTATED = 'sv-Rotated-0b7e55c913ff';
const PLAIN = 'https://shop.example.ru';
const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);

// A connector that logs what it got and fails with it, as a careless connector might.
const loggingConnector: ConnectorDefinition = {
  key: 'chatty',
  label: { ru: 'Болтливый', en: 'Chatty' },
  auth: { fields: [] },
  triggers: [],
  actions: [
    {
      id: 'say', label: { ru: 'Сказать', en: 'Say' }, kind: 'read',
      input: [{ id: 'text', label: 'Текст' }, { id: 'fail', label: 'Отказать' }], output: [{ id: 'echo', label: 'Эхо' }],
      async run(ctx, input) {
        ctx.logger.info({ input }, `chatty got ${String(input.text)}`);
        ctx.logger.child({ said: input.text }).warn('chatty child line');
        if (input.fail) throw new Error(`chatty refused ${String(input.text)}`);
        return { echo: input.text };
      },
    },
  ],
};

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

let app: TestApp;
let echo: EchoTarget;

async function importFlow(flow: object, token?: string) {
  return app.api('/api/v1/flows', { body: flow, token });
}

async function send(webhookUrl: string, body: unknown) {
  const url = webhookUrl.replace(app.services.config.publicUrl, app.url);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
}

async function executionOf(webhookId: string, token?: string) {
  return waitFor(async () => {
    const res = await app.api(`/api/v1/executions?webhookId=${webhookId}`, { token });
    const item = res.json.items?.[0];
    if (!item || !FINAL.has(item.status)) return undefined;
    return (await app.api(`/api/v1/executions/${item.id}`, { token })).json;
  }, 15_000, `execution of ${webhookId}`);
}

function cli(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Every byte of the data dir's database files (main file and WAL). */
function databaseBytes(): Promise<Buffer> {
  return storedBytes(app.dataDir);
}

const flowWith = (name: string) => ({
  name,
  enabled: true,
  trigger: { connector: 'webhook', event: 'incoming' },
  steps: [
    { id: 'vals', type: 'set', values: { shop: '{{vars.SHOP_URL}}', key: '{{vars.API_KEY}}' } },
    {
      id: 'call', type: 'action', connector: 'http', action: 'request', connection: 'echo',
      input: { method: 'POST', url: '/orders', headers: { 'X-Api-Key': '{{vars.API_KEY}}' }, query: { k: '{{vars.API_KEY}}' }, body: { key: '{{vars.API_KEY}}', shop: '{{vars.SHOP_URL}}', n: '{{trigger.n}}' } },
    },
    { id: 'talk', type: 'action', connector: 'chatty', action: 'say', input: { text: 'key={{vars.API_KEY}}', fail: '{{trigger.fail}}' } },
  ],
});

before(async () => {
  echo = await startEchoTarget();
  app = await startTestApp({
    connectors: new ConnectorRegistry([...builtinConnectors().list(), loggingConnector]),
    logger: pino({ level: 'trace' }, logSink),
    config: { templateEnv: { REGION: 'msk' } },
  });
  const conn = await app.api('/api/v1/connections', { body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
});
after(async () => {
  await app?.close();
  await echo?.close();
});

describe('variables API', () => {
  test('a secret is said to be set, never shown; a plain value is shown; both are sealed at rest', async () => {
    const put = await app.api('/api/v1/variables/API_KEY', { method: 'PUT', body: { value: SECRET, secret: true } });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.deepEqual({ name: put.json.name, secret: put.json.secret, value: put.json.value, set: put.json.set }, { name: 'API_KEY', secret: true, value: null, set: true });
    const plain = await app.api('/api/v1/variables/SHOP_URL', { method: 'PUT', body: { value: PLAIN } });
    assert.equal(plain.status, 200);
    assert.equal(plain.json.value, PLAIN);

    const list = await app.api('/api/v1/variables');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.items.map((v: { name: string; value: string | null }) => [v.name, v.value]), [['API_KEY', null], ['SHOP_URL', PLAIN]]);
    assert.equal(JSON.stringify(list.json).includes(SECRET), false);
    // Sealed in the file: neither the secret nor the plain value is stored in clear.
    const bytes = await databaseBytes();
    assert.equal(bytes.includes(SECRET), false, 'secret in the database file');
    assert.equal(bytes.includes(PLAIN), false, 'plain value in clear in the database file');
  });

  test('bad input gets a 4xx naming the problem; viewers may read, not write', async () => {
    const badName = await app.api('/api/v1/variables/1abc', { method: 'PUT', body: { value: 'x' } });
    assert.equal(badName.status, 400);
    assert.match(JSON.stringify(badName.json), /name/);
    const tooLong = await app.api(`/api/v1/variables/${'A'.repeat(65)}`, { method: 'PUT', body: { value: 'x' } });
    assert.equal(tooLong.status, 400);
    const big = await app.api('/api/v1/variables/BIG', { method: 'PUT', body: { value: 'x'.repeat(64 * 1024 + 1) } });
    assert.equal(big.status, 400);
    assert.match(JSON.stringify(big.json), /value/);
    const noValue = await app.api('/api/v1/variables/NEW_ONE', { method: 'PUT', body: { secret: true } });
    assert.equal(noValue.status, 400);
    assert.match(JSON.stringify(noValue.json), /value/);
    const notType = await app.api('/api/v1/variables/X', { method: 'PUT', body: { value: 5 } });
    assert.equal(notType.status, 400);
    // Unhiding a secret needs a new value: the saved one would otherwise show.
    const unhide = await app.api('/api/v1/variables/API_KEY', { method: 'PUT', body: { secret: false } });
    assert.equal(unhide.status, 400);
    assert.equal(JSON.stringify(unhide.json).includes(SECRET), false);
    const missing = await app.api('/api/v1/variables/NOPE', { method: 'DELETE' });
    assert.equal(missing.status, 404);

    const viewer = await app.createToken('default', 'viewer');
    assert.equal((await app.api('/api/v1/variables', { token: viewer })).status, 200);
    assert.equal((await app.api('/api/v1/variables/V', { method: 'PUT', body: { value: 'x' }, token: viewer })).status, 403);
    assert.equal((await app.api('/api/v1/variables/API_KEY', { method: 'DELETE', token: viewer })).status, 403);
  });
});

describe('{{vars.*}} in a running flow', () => {
  let webhookUrl: string;

  test('the target gets the real value; journals, answers and logs only [secret:API_KEY]', async () => {
    const flow = await importFlow(flowWith('uses vars'));
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    webhookUrl = flow.json.webhookUrl;
    echo.reset();
    const ex = await executionOf(await send(webhookUrl, { n: 1, fail: true }));
    // The chatty step fails with the secret in its error: masked too.
    assert.equal(ex.status, 'failed', JSON.stringify(ex));
    const got = echo.received().find((r) => r.path === '/orders');
    assert.ok(got, 'the target was called');
    assert.equal(got.headers['x-api-key'], SECRET);
    assert.equal(got.query.k, SECRET);
    assert.deepEqual(got.body, { key: SECRET, shop: PLAIN, n: 1 });

    const text = JSON.stringify(ex);
    assert.equal(text.includes(SECRET), false, `secret in the execution answer: ${text}`);
    assert.match(text, /\[secret:API_KEY\]/);
    assert.ok(text.includes(PLAIN), 'plain values stay readable in the journal');
    const talk = ex.steps.find((s: { stepId: string }) => s.stepId === 'talk');
    assert.equal(talk.error, 'chatty refused key=[secret:API_KEY]');
    assert.equal(ex.error.includes(SECRET), false);

    for (const path of ['/api/v1/executions', '/api/v1/webhooks', '/api/v1/variables', `/api/v1/flows/${flow.json.id}`]) {
      const res = await app.api(path);
      assert.equal(JSON.stringify(res.json).includes(SECRET), false, `secret in ${path}`);
    }
    assert.equal((await databaseBytes()).includes(SECRET), false, 'secret in the SQLite file');
    const logs = logLines.join('');
    assert.ok(logs.includes('chatty got key=[secret:API_KEY]'), 'the connector logged, masked');
    assert.ok(logs.includes('chatty child line'));
    assert.equal(logs.includes(SECRET), false, 'secret in a log line');
  });

  test('a test run answers with the secret masked', async () => {
    const res = await app.api('/api/v1/flows/test-run', { body: { definition: flowWith('uses vars'), sample: { n: 2 } } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.status, 'succeeded', JSON.stringify(res.json));
    assert.equal(JSON.stringify(res.json).includes(SECRET), false);
    assert.match(JSON.stringify(res.json), /\[secret:API_KEY\]/);
    assert.equal(logLines.join('').includes(SECRET), false);
  });

  test('`svyazka var set` in another process changes what the next execution sends', async () => {
    const res = await cli(['var', 'set', 'API_KEY', '--workspace', 'default'], `${ROTATED}\n`);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.includes(ROTATED), false, 'the CLI does not print a secret back');
    assert.match(res.stdout, /"secret": true/, 'an existing secret stays secret');
    echo.reset();
    const ex = await executionOf(await send(webhookUrl, { n: 3 }));
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    assert.equal(echo.received().find((r) => r.path === '/orders')?.headers['x-api-key'], ROTATED);
    assert.equal(JSON.stringify(ex).includes(ROTATED), false);

    const list = await cli(['var', 'list', '--workspace', 'default'], '');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /API_KEY\s+secret\s+\(set\)/);
    assert.equal(list.stdout.includes(ROTATED), false);
  });

  test('a step retried after a backoff goes on with the real value an earlier step took from a secret', async () => {
    const flow = await importFlow({
      name: 'retry with vars',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        { id: 'vals', type: 'set', values: { key: 'Bearer {{vars.API_KEY}}' } },
        { id: 'call', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/retry', headers: { Authorization2: '{{steps.vals.key}}' }, body: { key: '{{steps.vals.key}}' } } },
      ],
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    echo.reset();
    // The first call fails transiently: the execution is parked and resumes from its journal.
    echo.failNext(1, 503);
    const ex = await executionOf(await send(flow.json.webhookUrl, {}));
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    const calls = echo.received().filter((r) => r.path === '/retry');
    assert.equal(calls.length, 2, 'one failed attempt, one retry');
    assert.deepEqual(calls[1].body, { key: `Bearer ${ROTATED}` }, 'the retry sent the real value, not the masked journal copy');
    assert.equal(JSON.stringify(ex).includes(ROTATED), false);
    assert.deepEqual(ex.steps[0].output, { key: 'Bearer [secret:API_KEY]' });
    assert.equal((await databaseBytes()).includes(ROTATED), false, 'the sealed real output is not in clear');
  });

  test('an unknown variable fails the step, naming it', async () => {
    const flow = await importFlow({ name: 'unknown var', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'v', type: 'set', values: { a: '{{vars.NOT_THERE}}' } }] });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const ex = await executionOf(await send(flow.json.webhookUrl, {}));
    assert.equal(ex.status, 'failed');
    assert.match(ex.error, /unknown variable "NOT_THERE"/);
  });

  test('a deleted variable is gone for the next run', async () => {
    assert.equal((await app.api('/api/v1/variables/SHOP_URL', { method: 'DELETE' })).status, 200);
    const ex = await executionOf(await send(webhookUrl, { n: 4 }));
    assert.equal(ex.status, 'failed');
    assert.match(ex.error, /unknown variable "SHOP_URL"/);
    assert.equal((await app.api('/api/v1/variables/SHOP_URL', { method: 'PUT', body: { value: PLAIN } })).status, 200);
  });
});

describe('workspaces', () => {
  test('another workspace cannot read, change or use the variables', async () => {
    const shop = await app.createToken('shop', 'owner');
    const list = await app.api('/api/v1/variables', { token: shop });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.items, []);
    assert.equal((await app.api('/api/v1/variables/API_KEY', { method: 'DELETE', token: shop })).status, 404);
    const conn = await app.api('/api/v1/connections', { token: shop, body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
    assert.equal(conn.status, 201);
    const flow = await importFlow(flowWith('shop flow'), shop);
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    echo.reset();
    const ex = await executionOf(await send(flow.json.webhookUrl, { n: 5 }), shop);
    assert.equal(ex.status, 'failed');
    assert.match(ex.error, /unknown variable "SHOP_URL"/);
    assert.equal(echo.received().length, 0, 'nothing was sent with another workspace\'s values');
    // The default workspace's secret still opens only there.
    assert.equal((await app.api('/api/v1/variables')).json.items.length, 2);
  });

  test('{{env.*}} works in the allowed workspace only; others are told to use {{vars.*}}', async () => {
    const envFlow = (name: string) => ({ name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'v', type: 'set', values: { region: '{{env.REGION}}' } }] });
    const ok = await importFlow(envFlow('env in default'));
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const ex = await executionOf(await send(ok.json.webhookUrl, {}));
    assert.equal(ex.status, 'succeeded');
    assert.deepEqual(ex.steps[0].output, { region: 'msk' });

    const shop = await app.createToken('shop', 'owner');
    const refused = await importFlow(envFlow('env in shop'), shop);
    assert.equal(refused.status, 422, JSON.stringify(refused.json));
    assert.match(JSON.stringify(refused.json), /env is not available in this workspace/);
    assert.match(JSON.stringify(refused.json), /vars\.REGION/);
    const testRun = await app.api('/api/v1/flows/test-run', { token: shop, body: { definition: envFlow('env in shop') } });
    assert.equal(testRun.status, 422);
    // And nothing at run time, whatever reached the store before.
    const shopWs = await app.services.store.getWorkspaceBySlug('shop');
    assert.deepEqual((await app.services.variables.forRun(shopWs!.id)).env, {});
    assert.deepEqual((await app.services.variables.forRun(app.workspaceId)).env, { REGION: 'msk' });
  });
});
