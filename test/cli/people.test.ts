// The CLI for people: every list/show/enable/disable/delete command run as a real process on a
// real data dir, in both forms — a table with names for people, --json for scripts — and
// attempts shown as attempts (a step that gave up after 6 tries says 6, not "retries: 0").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openServices } from '../../src/app.ts';
import { newId } from '../../src/lib/ids.ts';
import { createLogger } from '../../src/logger.ts';
import { tempDataDir, testConfig } from '../support/app.ts';
import { databaseEnv, dropDatabaseFor } from '../support/database.ts';
import { startTelegramSandbox, type TelegramSandbox } from '../../src/alerts/telegram-sandbox.ts';
import { startSmtp, type TestSmtp } from '../alerts/support.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const FLOW = 'Заказы → CRM';
let dataDir: string;
let dbEnv: Record<string, string> = {};
let tg: TelegramSandbox;
let smtp: TestSmtp;
let executionId: string;
let webhookId: string;

function cli(args: string[], input?: string) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1', SVYAZKA_TELEGRAM_API_URL: tg.baseUrl, ...dbEnv },
    input,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function ok(args: string[], input?: string): string {
  const res = cli(args, input);
  assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

const json = (args: string[]) => JSON.parse(ok([...args, '--json']));

/** For commands that reach this process's SMTP server or Telegram sandbox: spawnSync would block them. */
function cliAsync(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1', SVYAZKA_TELEGRAM_API_URL: tg.baseUrl, ...dbEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

before(async () => {
  dataDir = tempDataDir();
  dbEnv = await databaseEnv(dataDir);
  tg = await startTelegramSandbox();
  smtp = await startSmtp();
  const file = join(dataDir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: FLOW, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'call', type: 'set', values: { a: '{{trigger.a}}' } }] }));
  ok(['flow', 'import', file]);
  ok(['connection', 'add', '--name', 'crm', '--connector', 'http', '--auth', '{"baseUrl":"http://127.0.0.1:1","headerName":"X-Key","headerValue":"cli-secret-value"}']);
  writeFileSync(file, JSON.stringify({ name: 'Uses crm', enabled: false, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'post', type: 'action', connector: 'http', action: 'request', connection: 'crm', input: { url: '/x' } }] }));
  ok(['flow', 'import', file]);

  // History as the server would have written it: a webhook whose execution failed after 6 attempts.
  const s = await openServices(testConfig(dataDir, dbEnv.DATABASE_URL ? { databaseUrl: dbEnv.DATABASE_URL } : {}), { logger: createLogger({ level: 'silent' }) });
  try {
    const ws = s.defaultWorkspace.id;
    const flow = (await s.store.getFlowByName(ws, FLOW))!;
    const now = Date.now();
    webhookId = newId('wh');
    executionId = newId('ex');
    await s.store.acceptWebhook(
      { id: webhookId, workspaceId: ws, flowId: flow.id, method: 'POST', headers: { 'content-type': 'application/json' }, query: {}, body: { a: 1 }, bodyKind: 'json', contentType: 'application/json', size: 7, ip: '127.0.0.1', status: 'accepted', error: null, receivedAt: now },
      { id: executionId, workspaceId: ws, flowId: flow.id, flowVersion: 1, webhookId, origin: 'webhook', trigger: { a: 1 }, nextRunAt: now },
      new Date(now).toISOString().slice(0, 10),
    );
    await s.store.saveStepAndExecution(
      { executionId, stepId: 'call', idx: 0, type: 'set', status: 'failed', input: {}, output: null, error: 'HTTP 503 (gave up after 6 attempts)', attempts: 6, transactions: 6, resumeAt: null, startedAt: now, finishedAt: now + 10 },
      executionId,
      { status: 'failed', error: 'HTTP 503 (gave up after 6 attempts)', errorStep: 'call', startedAt: now, finishedAt: now + 10 },
      { workspaceId: ws, flowId: flow.id, connector: 'http', count: 6, day: new Date(now).toISOString().slice(0, 10), month: new Date(now).toISOString().slice(0, 7) },
    );
  } finally {
    await s.store.close();
  }
});

after(async () => {
  await tg.close();
  await smtp.close();
  await dropDatabaseFor(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

test('execution list and show: the flow by name, attempts as attempts, in a table and as JSON', () => {
  const table = ok(['execution', 'list']);
  const [header, row] = table.trim().split('\n');
  assert.match(header, /^CREATED\s+FLOW\s+STATUS\s+ATTEMPTS\s+ID\s+ERROR$/);
  assert.match(row, new RegExp(`${FLOW}\\s+failed\\s+6\\s+${executionId}\\s+HTTP 503`));
  const list = json(['execution', 'list', '--flow', FLOW, '--status', 'failed']);
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].flowName, FLOW);
  assert.equal(list.items[0].attempts, 6);
  assert.equal(json(['execution', 'list', '--status', 'succeeded']).items.length, 0);
  assert.match(ok(['execution', 'list', '--status', 'succeeded']), /No executions/);
  assert.match(cli(['execution', 'list', '--status', 'nope']).stderr, /--status must be one of/);

  const shown = ok(['execution', 'show', executionId]);
  assert.match(shown, new RegExp(`flow\\s+${FLOW}`));
  assert.match(shown, /attempts\s+6\s/);
  assert.doesNotMatch(shown, /retries/);
  assert.match(shown, /\n0\s+call\s+set\s+failed\s+6\s+6\s+10\s+HTTP 503/);
  const view = json(['execution', 'show', executionId]);
  assert.equal(view.attempts, 6);
  assert.equal(view.steps[0].attempts, 6);
  assert.equal(view.flowName, FLOW);
  assert.match(cli(['execution', 'show', 'ex_nope']).stderr, /Execution not found/);
});

test('webhook list and show: names, raw request and the executions it started', () => {
  const table = ok(['webhook', 'list']);
  assert.match(table.split('\n')[0], /^RECEIVED\s+FLOW\s+METHOD\s+STATUS\s+BYTES\s+ID/);
  assert.match(table, new RegExp(`${FLOW}\\s+POST\\s+accepted\\s+7\\s+${webhookId}`));
  const list = json(['webhook', 'list', '--flow', FLOW]);
  assert.equal(list.items[0].flowName, FLOW);
  assert.equal(list.items[0].id, webhookId);
  const shown = ok(['webhook', 'show', webhookId]);
  assert.match(shown, /content-type: application\/json/);
  assert.match(shown, /"a": 1/);
  assert.match(shown, new RegExp(`failed\\s+${executionId}`));
  const view = json(['webhook', 'show', webhookId]);
  assert.deepEqual(view.body, { a: 1 });
  assert.equal(view.executions[0].id, executionId);
  assert.match(cli(['webhook', 'show', 'wh_nope']).stderr, /Webhook not found/);
});

test('flow list/show/enable/disable/delete by name, both forms', () => {
  const table = ok(['flow', 'list']);
  assert.match(table.split('\n')[0], /^NAME\s+ON\s+TRIGGER\s+VER\s+RUNS 24H\s+ERRORS 24H\s+LAST RUN\s+ID$/);
  assert.match(table, new RegExp(`${FLOW}\\s+on\\s+webhook/incoming\\s+1\\s+1\\s+1\\s+.*failed`));
  assert.match(table, /Uses crm\s+off/);
  assert.match(ok(['flow', 'show', FLOW]), /trigger\s+webhook\/incoming[\s\S]*webhook\s+http:\/\/localhost:3000\/hooks\/[a-z0-9]{32}[\s\S]*0\s+call\s+set/);
  assert.match(ok(['flow', 'show', 'Uses crm']), /0\s+post\s+action\s+http\.request \(crm\)/);
  assert.equal(json(['flow', 'show', FLOW]).definition.steps[0].id, 'call');

  assert.match(ok(['flow', 'disable', FLOW]), /выключена \/ off/);
  assert.equal(json(['flow', 'list']).find((f: { name: string }) => f.name === FLOW).enabled, false);
  assert.equal(json(['flow', 'enable', FLOW]).enabled, true);
  assert.match(cli(['flow', 'enable', 'nope']).stderr, /No flow with id or name "nope"/);
  const audit = json(['audit', 'list', '--action', 'flow']).items.map((e: { action: string }) => e.action);
  assert.ok(audit.includes('flow.disable') && audit.includes('flow.enable'));
});

test('connection list and delete: who uses it, refused while used, never a secret', () => {
  const table = ok(['connection', 'list']);
  assert.match(table, /^NAME\s+SERVICE\s+UPDATED\s+ID\s+USED BY/);
  assert.match(table, /crm\s+http\s+.*«Uses crm»/);
  assert.equal(table.includes('cli-secret-value'), false);
  const list = json(['connection', 'list']);
  assert.equal(list.items[0].name, 'crm');
  assert.deepEqual(list.items[0].usedBy.map((f: { name: string }) => f.name), ['Uses crm']);
  assert.equal(JSON.stringify(list).includes('cli-secret-value'), false);

  const refused = cli(['connection', 'delete', 'crm']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Used by flows: «Uses crm»/);
  const usesCrm = json(['flow', 'list']).find((f: { name: string }) => f.name === 'Uses crm');
  assert.deepEqual(json(['flow', 'delete', 'Uses crm']), { ok: true, id: usesCrm.id, name: 'Uses crm' });
  assert.match(ok(['connection', 'delete', 'crm']), /«crm» удалено \/ deleted/);
  assert.deepEqual(json(['connection', 'list']).items, []);
  assert.match(ok(['connection', 'list']), /No connections yet/);
  assert.match(cli(['connection', 'delete', 'crm']).stderr, /No connection named "crm"/);
});

test('plan usage: a few lines for people, the whole answer with --json', () => {
  const text = ok(['plan', 'usage']);
  assert.ok(text.split('\n').length < 20, `short: ${text}`);
  assert.match(text, /^Plan \w+/);
  assert.match(text, /webhooks\s+1\s+[\d\s\u00a0]+/);
  assert.match(text, /transactions\s+6\s/);
  assert.match(text, new RegExp(`Transactions by flow:[\\s\\S]*${FLOW}\\s+webhook|Transactions by flow:[\\s\\S]*${FLOW}`));
  const usage = json(['plan', 'usage']);
  assert.equal(usage.webhooks.used, 1);
  assert.equal(usage.transactions.used, 6);
  assert.ok(Array.isArray(usage.daily));
});

test('alerts show/set/test: secrets from stdin, never printed; the test names a bad SMTP password', async () => {
  assert.match(ok(['alerts', 'show']), /Alerts off[\s\S]*e-mail\s+not configured[\s\S]*telegram\s+not configured/);
  const set = cli(['alerts', 'set', '--smtp', `127.0.0.1:${smtp.port}`, '--smtp-user', smtp.user, '--smtp-from', 'svyazka@shop.test', '--smtp-to', 'ops@shop.test', '--smtp-password-stdin'], 'not-the-password\n');
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /password set/);
  const tgSet = cli(['alerts', 'set', '--telegram-chat', tg.chatId, '--telegram-token-stdin', '--on', '--group-minutes', '5', '--json'], tg.token);
  assert.equal(tgSet.code, 0, tgSet.stderr);
  const view = JSON.parse(tgSet.stdout);
  assert.equal(view.enabled, true);
  assert.equal(view.groupMinutes, 5);
  assert.equal(view.email.passwordSet, true);
  assert.equal(view.telegram.botTokenSet, true);
  const shown = ok(['alerts', 'show', '--json']);
  assert.equal(shown.includes('not-the-password') || shown.includes(tg.token), false);

  const failed = await cliAsync(['alerts', 'test']);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /email\s+FAILED: SMTP 127\.0\.0\.1:\d+: неверный логин или пароль/);
  assert.match(failed.stdout, /telegram\s+ok/);
  ok(['alerts', 'set', '--smtp-password-stdin'], smtp.password);
  const passed = await cliAsync(['alerts', 'test', '--json']);
  assert.equal(passed.code, 0, passed.stderr);
  assert.deepEqual(JSON.parse(passed.stdout), { ok: true, channels: { email: { ok: true }, telegram: { ok: true } } });
  assert.match(cli(['alerts', 'set', '--events', 'failures,nope']).stderr, /unknown "nope"/);
  assert.deepEqual(json(['alerts', 'set', '--events', 'failures,quota']).events, { failures: true, quota: true, connectionAuth: false, pollFailing: false, notifications: false });
  assert.equal(json(['alerts', 'set', '--no-telegram', '--off']).telegram, null);
});
