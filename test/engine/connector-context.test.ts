// The one factory for a connector's context: auth from the connection, the guard, the shared rate
// bucket, metering (or none, said out loud) and the deadline — against a real server on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorDefinition } from '../../src/connector-kit/types.ts';
import { limitKeyFor, openConnectorContext, openNamedConnection } from '../../src/engine/connector-context.ts';
import { OutboundGuard } from '../../src/engine/outbound/guard.ts';
import { parseAllowList } from '../../src/engine/outbound/allow-list.ts';
import type { RateLimiter } from '../../src/engine/outbound/rate-limiter.ts';

let server: Server;
let base = '';
let received = 0;
before(async () => {
  server = createServer((req, res) => {
    received++;
    if (req.url === '/hang') return; // never answers: only the deadline ends the request
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const guard = new OutboundGuard({ allow: parseAllowList('127.0.0.1') });
/** Records which bucket each request waited in. */
function spyLimiter(): RateLimiter & { keys: string[] } {
  const keys: string[] = [];
  return { keys, async acquire(key) { keys.push(key); } };
}
const connector = (keyOf?: (auth: Record<string, unknown>) => string): ConnectorDefinition => ({
  key: 'svc',
  label: { ru: 'Сервис', en: 'Service' },
  auth: { fields: [{ id: 'apiKey', label: 'Ключ', required: true, secret: true }] },
  limits: { requestsPerSecond: 5, ...(keyOf ? { keyOf } : {}) },
  triggers: [],
  actions: [],
});
const conn = { id: 'cn_1', auth: { apiKey: 'secret-1', account: 'shop' } };

test('metered: each request takes a transaction before it is sent; a refusal sends nothing', async () => {
  const limiter = spyLimiter();
  let taken = 0;
  let told = 0;
  const ctx = openConnectorContext({ outbound: guard, limiter }, {
    workspaceId: 'ws_1', connector: connector(), connection: conn,
    metering: { kind: 'metered', plans: { takeTransaction: (ws: string) => { assert.equal(ws, 'ws_1'); taken++; } }, onRequest: () => told++ },
  });
  assert.deepEqual(ctx.auth, conn.auth);
  const res = await ctx.http.request({ method: 'GET', url: `${base}/ok` });
  assert.equal(res.status, 200);
  assert.deepEqual([taken, told], [1, 1]);
  assert.deepEqual(limiter.keys, ['cn_1']);

  const before_ = received;
  const refusing = openConnectorContext({ outbound: guard, limiter }, {
    workspaceId: 'ws_1', connector: connector(), connection: conn,
    metering: { kind: 'metered', plans: { takeTransaction: () => { throw new Error('quota is over'); } } },
  });
  await assert.rejects(refusing.http.request({ method: 'GET', url: `${base}/ok` }), /quota is over/);
  assert.equal(received, before_);
});

test('unmetered: no transaction is taken; requests are still counted and rate-limited', async () => {
  const limiter = spyLimiter();
  let told = 0;
  const ctx = openConnectorContext({ outbound: guard, limiter }, {
    workspaceId: 'ws_1', connector: connector(), connection: null, metering: { kind: 'unmetered', why: 'connection-test', onRequest: () => told++ },
  });
  assert.deepEqual(ctx.auth, {});
  await ctx.http.request({ method: 'GET', url: `${base}/ok` });
  assert.equal(told, 1);
  // No connection: the workspace's connector shares one bucket.
  assert.deepEqual(limiter.keys, ['ws_1:svc']);
});

test('the rate bucket: the connection, the connector-declared unit, or the sandbox', () => {
  assert.equal(limitKeyFor('ws_1', connector(), conn), 'cn_1');
  assert.equal(limitKeyFor('ws_1', connector(), null), 'ws_1:svc');
  assert.equal(limitKeyFor('ws_1', connector((a) => `svc:${String(a.account)}`), conn), 'svc:shop');
  assert.equal(limitKeyFor('ws_1', connector(), conn, true), 'sandbox:svc');
  const sandboxed = openConnectorContext({ outbound: guard, limiter: spyLimiter() }, {
    workspaceId: 'ws_1', connector: connector(), connection: null, sandbox: { auth: { apiKey: 'demo' } }, metering: { kind: 'unmetered', why: 'sandbox' },
  });
  assert.deepEqual(sandboxed.auth, { apiKey: 'demo' });
});

test('the deadline aborts the request in flight with a message naming it; the guard still refuses', async () => {
  const ctx = openConnectorContext({ outbound: guard, limiter: spyLimiter() }, {
    workspaceId: 'ws_1', connector: connector(), connection: conn, metering: { kind: 'unmetered', why: 'sample' }, deadline: { ms: 50, label: 'Sample' },
  });
  try {
    await assert.rejects(ctx.http.request({ method: 'GET', url: `${base}/hang` }), /Sample timed out after 0\.05 s/);
    assert.equal(ctx.signal.aborted, true);
  } finally {
    ctx.close();
  }
  const closed = openConnectorContext({ outbound: guard, limiter: spyLimiter() }, {
    workspaceId: 'ws_1', connector: connector(), connection: conn, metering: { kind: 'unmetered', why: 'cli' },
  });
  await assert.rejects(closed.http.request({ method: 'GET', url: 'http://10.0.0.1/x' }), /запрещён/);
  assert.equal(closed.signal.aborted, false);
});

test('a step that names no connection fails clearly when the connector needs one', async () => {
  const connections = { open: async () => ({ ...conn, name: 'main' }) };
  await assert.rejects(openNamedConnection(connections, 'ws_1', null, connector(), { required: true }), /Step needs a "svc" connection/);
  assert.equal(await openNamedConnection(connections, 'ws_1', undefined, connector()), null);
  assert.equal((await openNamedConnection(connections, 'ws_1', 'main', connector(), { required: true }))?.id, 'cn_1');
});
