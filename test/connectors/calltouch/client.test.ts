// Client details: node host / getnodeid, tag shapes, answers that are not the paged envelope.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CalltouchClient, baseFromNode, normalizeTags } from '../../../src/connectors/calltouch/client.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { PermanentError } from '../../../src/connector-kit/errors.ts';
import { actionCtx } from './support.ts';

let sb: CalltouchSandbox;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 1, records: 5, nodeId: 7 });
});
after(() => sb.close());

test('node host: number, host name or full URL', () => {
  assert.equal(baseFromNode('5'), 'https://api-node5.calltouch.ru');
  assert.equal(baseFromNode(5), 'https://api-node5.calltouch.ru');
  assert.equal(baseFromNode('api-node2.calltouch.ru'), 'https://api-node2.calltouch.ru');
  assert.equal(baseFromNode('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  assert.equal(baseFromNode(''), undefined);
  assert.throws(() => baseFromNode('ftp x'), PermanentError);
});

test('getnodeid against the sandbox', async () => {
  const client = new CalltouchClient(actionCtx(sb.credentials));
  assert.equal(await client.getNodeId(), 7);
  assert.equal(await client.baseUrl(), sb.baseUrl);
});

test('tags: the seed\'s string list, [{category,type,names}] and null', () => {
  assert.deepEqual(normalizeTags(['tag1', 'tag2']), ['tag1', 'tag2']);
  assert.deepEqual(normalizeTags([{ category: 'c', type: 'MANUAL', names: ['a', 'b'] }, { tag: 'x' }]), ['a', 'b', 'x']);
  assert.equal(normalizeTags(null), null);
});

test('answers: a bare array, an envelope without paging fields, HTML and 5xx', async () => {
  let mode = 'array';
  const server = createServer((req, res) => {
    if (mode === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>login</html>');
    }
    if (mode === '500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"message":"boom"}');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const rec = { orderNumber: '1', tags: [{ names: ['t'] }] };
    res.end(JSON.stringify(mode === 'array' ? [rec] : { records: [rec] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const auth = { siteId: '1', clientApiId: 'k', nodeHost: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  try {
    const client = new CalltouchClient(actionCtx(auth), { busyRetries: 0 });
    const got = async () => {
      const out = [];
      for await (const r of client.exportOrders({ orderNumber: '1' })) out.push(r);
      return out;
    };
    assert.deepEqual(await got(), [{ orderNumber: '1', tags: ['t'] }]);
    mode = 'envelope';
    assert.deepEqual(await got(), [{ orderNumber: '1', tags: ['t'] }]);
    mode = 'html';
    await assert.rejects(got(), /не JSON/);
    mode = '500';
    await assert.rejects(got(), /ошибка сервера HTTP 500.*boom/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
