// Through a real running app: the examples imported as users import them, the Ozon sandbox on one
// side and the RetailCRM sandbox on the other. New FBS postings become RetailCRM orders once each —
// across re-polls, a 429, and an app restart in the middle — the plan's parsing period bounds what
// is asked for, stocks go from RetailCRM to Ozon on a schedule, and a refused key shows why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startOzonSandbox, type OzonSandbox } from '../../../src/connectors/ozon/sandbox.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../../support/app.ts';

const DAY = 86_400_000;
const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8');

let app: TestApp;
let oz: OzonSandbox;
let crm: RetailcrmSandbox;

before(async () => {
  oz = await startOzonSandbox({ seed: 5, records: 0, fboRecords: 0 });
  crm = await startRetailcrmSandbox({ seed: 1, records: 4 });
  app = await startTestApp();
  for (const [name, connector, auth] of [['ozon', 'ozon', oz.credentials], ['retailcrm', 'retailcrm', crm.credentials]] as const) {
    const res = await app.api('/api/v1/connections', { body: { name, connector, auth } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
});
after(async () => {
  await app?.close();
  await oz?.close();
  await crm?.close();
});

async function importExample(name: string): Promise<string> {
  const res = await app.api('/api/v1/flows/import', { body: { text: example(name) } });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json.id;
}

async function settled(flowId: string, count: number): Promise<any[]> {
  return waitFor(async () => {
    const items = (await app.api(`/api/v1/executions?flowId=${flowId}&limit=100`)).json.items as any[];
    if (items.length < count || items.some((i) => ['queued', 'running', 'retrying', 'waiting'].includes(i.status))) return undefined;
    return items;
  }, 90_000, `${count} executions of ${flowId}`);
}

test('connection test: the sandbox key passes, a wrong key fails naming the Api-Key header', async () => {
  const list = (await app.api('/api/v1/connections')).json;
  const ozon = (list.items ?? list).find((c: any) => c.name === 'ozon');
  const ok = await app.api(`/api/v1/connections/${ozon.id}/test`, { method: 'POST' });
  assert.equal(ok.json.ok, true, JSON.stringify(ok.json));
  const bad = await app.api('/api/v1/connections', { body: { name: 'ozon-bad', connector: 'ozon', auth: { ...oz.credentials, apiKey: 'wrong' } } });
  const res = await app.api(`/api/v1/connections/${bad.json.id}/test`, { method: 'POST' });
  assert.notEqual(res.json.ok, true);
  assert.match(JSON.stringify(res.json), /заголовок Api-Key/);
});

test('Ozon posting → RetailCRM order: once per posting across re-polls, a 429 and a restart; nothing older than the plan allows', async () => {
  const tooOld = oz.addPostings(1, { at: Date.now() - 90 * DAY })[0]; // the test plan parses 60 days
  const first = oz.addPostings(6, { at: Date.now() - 60_000 });
  const flowId = await importExample('ozon-to-retailcrm.json');
  const mark = oz.requests.length;
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 6);
  for (const r of oz.requests.slice(mark).filter((q) => q.path === '/v3/posting/fbs/list')) {
    assert.ok(Date.parse(r.body!.filter.since) >= Date.now() - 60 * DAY - 60_000, `since ${r.body!.filter.since} within the plan's 60 days`);
  }
  // Restart while those executions are queued or running, with the same data dir.
  app = await app.restart();
  const second = oz.addPostings(4);
  oz.rejectNext(1, 429, 0);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 4, 'the six already seen start nothing');
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0);
  const done = await settled(flowId, 10);
  assert.equal(done.length, 10);
  assert.ok(done.every((e) => e.status === 'succeeded'), JSON.stringify(done.map((e) => e.status)));

  const wanted = [...first, ...second].map((p) => `OZ-${p.posting_number}`).sort();
  const orders = crm.state.orders.filter((o) => String(o.number).startsWith('OZ-'));
  assert.deepEqual(orders.map((o) => o.number).sort(), wanted, 'exactly one RetailCRM order per posting');
  assert.ok(!orders.some((o) => o.number === `OZ-${tooOld.posting_number}`));
  // Products found by article (offer_id), priced from Ozon's price strings.
  const sample = orders.find((o) => o.number === `OZ-${first[0].posting_number}`)!;
  const items = Array.isArray(sample.items) ? sample.items : Object.values(sample.items);
  assert.equal(items.length, first[0].products.length);
  for (const item of items as any[]) {
    const line = first[0].products.find((l: any) => l.offer_id === item.offer.article || l.offer_id === item.offer.externalId?.replace(/^o-/, ''));
    assert.ok(line, `item ${JSON.stringify(item.offer)} is one of the posting's products`);
    assert.equal(item.initialPrice, Number(line.price));
  }
});

test('RetailCRM stock → Ozon stocks.set on a schedule (the example flow)', async () => {
  const flowId = await importExample('retailcrm-stocks-to-ozon.json');
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  const [ex] = await settled(flowId, 1);
  assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
  const offer = crm.state.products.flatMap((p) => p.offers).find((o: any) => o.article === 'TS-WHT-001');
  assert.equal(oz.stockOf('TS-WHT-001', 22_000_000_001), offer.quantity);
});

test('a refused key: the poll starts nothing and the editor\'s sample says why', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: { name: 'ozon bad key', enabled: true, trigger: { connector: 'ozon', event: 'posting.new', connection: 'ozon-bad' }, steps: [{ id: 'v', type: 'set', values: { n: '{{trigger.posting_number}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 0);
  const sample = await app.api(`/api/v1/flows/${flow.json.id}/sample/poll`, { method: 'POST' });
  assert.equal(sample.status, 400);
  assert.match(JSON.stringify(sample.json), /Api-Key/);
  assert.match(JSON.stringify(sample.json), /Invalid Api-Key/);
});
