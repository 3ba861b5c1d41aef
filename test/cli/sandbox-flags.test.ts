// `svyazka sandbox` data flags: --hook makes the RetailCRM sandbox call a URL on every order
// created or changed (as its trigger would), --seed gives the same data again, --days bounds how
// far back it goes, and RetailCRM and Calltouch with the same seed and days share one data set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { builtinConnectors } from '../../src/connectors/index.ts';
import type { SandboxHandle } from '../../src/connector-kit/types.ts';
import type { RetailcrmSandbox } from '../../src/connectors/retailcrm/sandbox.ts';
import type { CalltouchSandbox } from '../../src/connectors/calltouch/sandbox.ts';
import { sandboxOptions } from '../../src/cli/sandbox.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const DAY = 86_400_000;

/** Starts `svyazka sandbox …` and resolves with its first stdout line (the JSON with baseUrl). */
async function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'sandbox', ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => String(l)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`exited ${code}: ${stderr}`);
    }),
  ]);
  return { info: JSON.parse(first) as { baseUrl: string; credentials: Record<string, string> }, stderr: () => stderr, stop: async () => { child.kill('SIGTERM'); await once(child, 'exit'); } };
}

test('--hook: every order created or changed in the RetailCRM sandbox is sent to the URL as order[id]', async () => {
  const got: Array<{ body: string; type: string }> = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ body, type: String(req.headers['content-type']) });
      res.end('ok');
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/abc`;
  const sb = await startCli(['retailcrm', '--seed', '7', '--days', '5', '--hook', url]);
  try {
    const form = (o: Record<string, string>) => ({ method: 'POST', headers: { 'x-api-key': sb.info.credentials.apiKey, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o) });
    const created = await fetch(`${sb.info.baseUrl}/api/v5/orders/create`, form({ order: JSON.stringify({ firstName: 'Анна', phone: '+79160000001' }), site: sb.info.credentials.site }));
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: number };
    const edited = await fetch(`${sb.info.baseUrl}/api/v5/orders/${id}/edit`, form({ order: JSON.stringify({ status: 'complete' }), site: sb.info.credentials.site, by: 'id' }));
    assert.equal(edited.status, 200);
    for (let i = 0; i < 400 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(got.map((g) => new URLSearchParams(g.body).get('order[id]')), [String(id), String(id)], 'created, then changed');
    assert.ok(got.every((g) => g.type.startsWith('application/x-www-form-urlencoded')));
    assert.match(sb.stderr(), /sent to http:\/\/127\.0\.0\.1:\d+\/hooks\/abc/);
  } finally {
    await sb.stop();
    hook.close();
  }
});

test('flags a sandbox would ignore are refused, naming the ones it takes; bad values too', () => {
  assert.throws(() => sandboxOptions('calltouch', ['seed', 'records', 'days'], { hook: 'http://x/' }), /calltouch sandbox has no --hook \(it takes: --seed, --records, --days\)/);
  assert.throws(() => sandboxOptions('http', [], { seed: '1' }), /only --port/);
  assert.throws(() => sandboxOptions('retailcrm', ['seed', 'days', 'hook'], { hook: 'ftp://x' }), /http\(s\) URL/);
  assert.throws(() => sandboxOptions('ozon', ['seed', 'records', 'days'], { days: '0' }), /--days must be a whole number 1…3650/);
  assert.deepEqual(sandboxOptions('retailcrm', ['seed', 'records', 'days', 'hook'], {}), { seed: undefined, records: undefined, days: 30, hook: undefined }, 'RetailCRM defaults to the shared data set over 30 days');
});

async function started<T extends SandboxHandle>(key: string, opts: Record<string, number>): Promise<T> {
  return (await builtinConnectors().get(key)!.sandbox!({ port: 0, ...opts })) as T;
}

test('--seed: the same seed gives the same orders; another seed other ones; --days bounds the dates', async () => {
  const shape = (sb: RetailcrmSandbox) => sb.state.orders.map((o) => [o.number, o.phone, o.totalSumm, o.status]);
  const a = await started<RetailcrmSandbox>('retailcrm', { seed: 7, days: 5 });
  const b = await started<RetailcrmSandbox>('retailcrm', { seed: 7, days: 5 });
  const c = await started<RetailcrmSandbox>('retailcrm', { seed: 8, days: 5 });
  try {
    assert.deepEqual(shape(a), shape(b));
    assert.notDeepEqual(shape(a), shape(c));
    for (const o of a.state.orders) assert.ok(Date.parse(o.createdAt.replace(' ', 'T')) >= Date.now() - 6 * DAY, `${o.number} ${o.createdAt} within 5 days`);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
  for (const key of ['ozon', 'wildberries', 'kaspi']) {
    const x = await started<SandboxHandle & { state: unknown }>(key, { seed: 5, days: 3, records: 4 });
    const y = await started<SandboxHandle & { state: unknown }>(key, { seed: 5, days: 3, records: 4 });
    try {
      const ids = (sb: SandboxHandle & { state: any }) => JSON.stringify((sb.state.fbs ?? sb.state.orders).map((o: any) => o.posting_number ?? o.order?.id ?? o.id ?? o.code));
      assert.equal(ids(x), ids(y), key);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  }
});

test('RetailCRM and Calltouch sandboxes with the same --seed and --days share one data set, dated up to today', async () => {
  const crm = await started<RetailcrmSandbox>('retailcrm', { seed: 4, days: 10 });
  const ct = await started<CalltouchSandbox>('calltouch', { seed: 4, days: 10 });
  try {
    for (const order of crm.state.orders) {
      const deal = ct.getOrder(order.number);
      assert.ok(deal, `deal ${order.number}`);
      assert.equal(String(deal.client.phones).replace(/\D/g, ''), String(order.phone).replace(/\D/g, ''));
    }
  } finally {
    await Promise.all([crm.close(), ct.close()]);
  }
});
