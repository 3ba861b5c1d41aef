// The kit's proof: a marketplace connector in under 100 lines that uses nothing but the kit
// (fixtures/shop-connector.ts), run by the engine against a service on loopback — options checked
// at save, the look-back capped, paging to the end, a 429 retried, each posting one execution
// across re-polls and a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { shopConnector } from './fixtures/shop-connector.ts';

const DAY = 86_400_000;
const postings: Array<{ posting_number: string; status: string; in_process_at: string }> = [];
const requests: Array<{ since: string; offset: number; status: number }> = [];
let throttleNext = 0;

function addPostings(n: number, ageMs: number, status = 'awaiting_packaging'): void {
  for (let i = 0; i < n; i++) postings.push({ posting_number: `P-${postings.length + 1}`, status, in_process_at: new Date(Date.now() - ageMs).toISOString() });
}

let server: Server;
let baseUrl: string;
let app: TestApp;
const registry = () => new ConnectorRegistry([...builtinConnectors().list(), shopConnector]);

before(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      if (req.headers['api-key'] !== 'k-1') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 16, message: 'Client-Id and Api-Key headers are required' }));
        return;
      }
      if (throttleNext > 0) {
        throttleNext--;
        requests.push({ since: body.filter.since, offset: body.offset, status: 429 });
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify({ code: 8, message: 'rate limit' }));
        return;
      }
      requests.push({ since: body.filter.since, offset: body.offset, status: 200 });
      const since = Date.parse(body.filter.since);
      const to = Date.parse(body.filter.to);
      const match = postings.filter((p) => p.status === body.filter.status && Date.parse(p.in_process_at) >= since && Date.parse(p.in_process_at) <= to);
      const page = match.slice(body.offset, body.offset + body.limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { postings: page, has_next: body.offset + page.length < match.length } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = await startTestApp({ connectors: registry() });
});
after(async () => {
  await app.close();
  server.close();
});

test('the connector is under 100 lines and imports nothing but the kit (and zod)', () => {
  const source = readFileSync(new URL('./fixtures/shop-connector.ts', import.meta.url), 'utf8');
  assert.ok(source.trimEnd().split('\n').length <= 100);
  const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(imports.filter((i) => i !== 'zod' && !i.endsWith('/src/connector-kit/index.ts')), []);
});

test('a poll pages to the end within the look-back, retries a 429, and each posting runs once across polls and a restart', async () => {
  addPostings(250, 1 * DAY);
  addPostings(3, 1 * DAY, 'delivered');
  addPostings(5, 10 * DAY); // older than the flow's 3 days
  const conn = await app.api('/api/v1/connections', { body: { name: 'shop1', connector: 'shop', auth: { url: baseUrl, apiKey: 'k-1' } } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));

  const bad = await app.api('/api/v1/flows', { body: { name: 'bad', trigger: { connector: 'shop', event: 'posting.new', connection: 'shop1', options: { lookbackDays: 'неделя', status: 'lost', intervalSeconds: 5 } }, steps: [] } });
  assert.equal(bad.status, 422);
  const text = JSON.stringify(bad.json);
  for (const id of ['lookbackDays', 'status', 'intervalSeconds']) assert.match(text, new RegExp(`trigger\\.options\\.${id}`));
  assert.match(text, /ожидается число/);

  const flow = await app.api('/api/v1/flows', {
    body: { name: 'postings', enabled: true, trigger: { connector: 'shop', event: 'posting.new', connection: 'shop1', options: { lookbackDays: '3', intervalSeconds: '600' } }, steps: [{ id: 'v', type: 'set', values: { n: '{{trigger.posting_number}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const flowId: string = flow.json.id;

  throttleNext = 1;
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 250);
  assert.deepEqual(requests.map((r) => [r.offset, r.status]), [[0, 429], [0, 200], [100, 200], [200, 200]]);
  // The window starts no earlier than 3 days back (the flow's), well inside the plan's 60.
  assert.ok(requests.every((r) => Date.parse(r.since) >= Date.now() - 3 * DAY - 60_000));

  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'the overlapping window finds the same postings: nothing new');
  addPostings(7, 0);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 7);

  app = await app.restart();
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'after a restart the stored keys still hold');
  const listed = await app.api(`/api/v1/executions?flowId=${flowId}&limit=500`);
  assert.equal(listed.json.items.length, 257, 'one execution per posting: 250 + 7');
});

test('a poll the service refuses shows why on the flow (pollState.lastError), and clears once a poll goes through', async () => {
  const conn = await app.api('/api/v1/connections', { body: { name: 'shop-bad', connector: 'shop', auth: { url: baseUrl, apiKey: 'wrong' } } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
  const flow = await app.api('/api/v1/flows', {
    body: { name: 'refused', enabled: true, trigger: { connector: 'shop', event: 'posting.new', connection: 'shop-bad' }, steps: [{ id: 'v', type: 'set', values: { n: '{{trigger.posting_number}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 0);
  const failing = (await app.api(`/api/v1/flows/${flow.json.id}`)).json;
  assert.match(failing.pollState.lastError, /401.*Client-Id and Api-Key headers are required/);
  const fixed = await app.api(`/api/v1/connections/${conn.json.id}`, { method: 'PATCH', body: { auth: { url: baseUrl, apiKey: 'k-1' } } });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.json));
  // The new key reaches the poller through the change feed, a moment after the PATCH answers.
  await waitFor(async () => {
    await app.scheduler.fire(app.workspaceId, flow.json.id);
    return (await app.api(`/api/v1/flows/${flow.json.id}`)).json.pollState.lastError === null ? true : undefined;
  }, 30_000, 'a poll with the fixed key');
});
