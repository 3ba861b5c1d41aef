// Bad input at /hooks/{token}: each gets a clear 4xx, the server keeps serving, and nothing that
// was accepted before is lost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
let hook: string;
let goodIds: string[] = [];

before(async () => {
  app = await startTestApp({ config: { webhookMaxBytes: 64 * 1024 } });
  const flow = await app.api('/api/v1/flows', { body: { name: 'intake', enabled: false, trigger: { connector: 'webhook', event: 'incoming' }, steps: [] } });
  hook = new URL(flow.json.webhookUrl).pathname;
});
after(() => app.close());

async function post(body: string | Buffer, contentType?: string, path = hook, method = 'POST') {
  const res = await request(app.url + path, { method: method as 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
  const text = await res.body.text();
  return { status: res.statusCode, json: JSON.parse(text) as Record<string, unknown> };
}

test('good webhooks: JSON, form, text, GET with query, PUT', async () => {
  const answers = [
    await post('{"a":1}', 'application/json'),
    await post('a[b][0]=1', 'application/x-www-form-urlencoded'),
    await post('hello', 'text/plain'),
    await post('', undefined, `${hook}?x=1&y[z]=2`, 'GET'),
    await post('{"p":true}', 'application/json; charset=utf-8', hook, 'PUT'),
  ];
  for (const a of answers) {
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.equal(a.json.ok, true);
    assert.match(String(a.json.id), /^wh_/);
  }
  goodIds = answers.map((a) => String(a.json.id));
  const got = await app.api(`/api/v1/webhooks/${goodIds[3]}`);
  assert.deepEqual(got.json.query, { x: '1', y: { z: '2' } });
  assert.equal(got.json.method, 'GET');
});

test('each kind of bad input gets a clear 4xx', async () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const huge = JSON.stringify({ items: Array.from({ length: 20_001 }, () => 1) });
  const cases: Array<[string, string | Buffer, string | undefined, number, RegExp]> = [
    ['malformed JSON', '{"a":', 'application/json', 400, /not valid JSON/i],
    ['wrong content type', Buffer.from([1, 2, 3]), 'application/octet-stream', 415, /content type/i],
    ['multipart', '--x\r\n', 'multipart/form-data; boundary=x', 415, /content type/i],
    ['deep nesting', deep, 'application/json', 400, /deep|nest/i],
    ['deep form nesting', 'a' + '[b]'.repeat(200) + '=1', 'application/x-www-form-urlencoded', 400, /deep|nest/i],
    ['huge array', huge, 'application/json', 400, /array/i],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json', 400, /UTF-8/i],
    ['__proto__ in JSON', '{"__proto__":{"polluted":1}}', 'application/json', 400, /__proto__|forbidden/i],
    ['constructor in JSON', '{"constructor":{"prototype":{"polluted":1}}}', 'application/json', 400, /constructor|forbidden/i],
    ['__proto__ in form', '__proto__[polluted]=1', 'application/x-www-form-urlencoded', 400, /__proto__|forbidden/i],
  ];
  for (const [name, body, type, status, message] of cases) {
    const res = await post(body, type);
    assert.equal(res.status, status, `${name}: ${JSON.stringify(res.json)}`);
    assert.equal(res.json.ok, false, name);
    assert.match(String(res.json.message), message, `${name}: ${res.json.message}`);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('over the size limit is 413; unknown or malformed tokens are 404 with no detail', async () => {
  const big = JSON.stringify({ s: 'x'.repeat(70 * 1024) });
  const res = await post(big, 'application/json');
  assert.equal(res.status, 413);
  assert.match(String(res.json.message), /limit/);
  for (const path of ['/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '/hooks/short', '/hooks/..%2F..%2Fetc']) {
    const r = await post('{}', 'application/json', path);
    assert.equal(r.status, 404, path);
    assert.deepEqual(r.json, { ok: false, error: 'not_found' });
  }
});

test('the server keeps serving, and what was accepted is all still there', async () => {
  const again = await post('{"after":"bad input"}', 'application/json');
  assert.equal(again.status, 200);
  for (const id of [...goodIds, String(again.json.id)]) {
    const w = await app.api(`/api/v1/webhooks/${id}`);
    assert.equal(w.status, 200, id);
    assert.equal(w.json.status, 'no_enabled_flow');
  }
  // Unparseable bodies are in history too, marked invalid, for debugging.
  const invalid = await app.api('/api/v1/webhooks?status=invalid&limit=100');
  assert.ok(invalid.json.items.length >= 8);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /svyazka_webhooks_accepted_total \d+/);
  assert.match(metrics, /svyazka_webhooks_rejected_total\{reason="unknown_token"\} 3/);
});
