// Unexpected input is a clear 4xx, an unexpected failure a logged 500 that names its request id
// and shows no stack: malformed cookies and URLs, bodies the API cannot read, flows nested past
// the limit, deep data through templates, and a forced failure in the API, /hooks and /metrics.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { renderTemplate, renderValue, TemplateRuntimeError } from '../../src/engine/template.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

let app: TestApp;
const logLines: Array<Record<string, unknown>> = [];

before(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(JSON.parse(line));
      done();
    },
  });
  app = await startTestApp({ logger: pino({ level: 'info' }, sink) });
});
after(() => app.close());

const nest = (levels: number, leaf: unknown = 'x'): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

test('a malformed session cookie is no session: 401, never 500', async () => {
  for (const cookie of ['svyazka_session=%E0%A4%A', 'svyazka_session=%', 'svyazka_session', 'svyazka_session=;;;=', `svyazka_session=${'%'.repeat(5000)}`]) {
    const res = await fetch(`${app.url}/api/v1/auth/me`, { headers: { cookie } });
    assert.equal(res.status, 401, cookie.slice(0, 40));
    assert.equal(((await res.json()) as { error: string }).error, 'unauthorized');
  }
  const page = await fetch(`${app.url}/flows`, { headers: { cookie: 'svyazka_session=%E0%A4%A' } });
  assert.equal(page.status, 200, 'the UI page does not read the cookie, and does not break on it');
});

test('bodies and URLs the server cannot read are 4xx with the usual shape', async () => {
  const post = (body: string | Buffer, type: string) =>
    fetch(`${app.url}/api/v1/flows`, { method: 'POST', headers: { authorization: `Bearer ${app.token}`, 'content-type': type }, body });
  const cases: Array<[Response, number]> = [
    [await post('{"name":', 'application/json'), 400],
    [await post('<flow/>', 'application/xml'), 415],
    [await post(Buffer.alloc(5 * 1024 * 1024, 'a'), 'application/json'), 413],
    [await fetch(`${app.url}/api/v1/%E0%A4%A`), 400],
    [await fetch(`${app.url}/%E0%A4%A`), 400],
  ];
  for (const [res, status] of cases) {
    assert.equal(res.status, status, res.url);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(typeof body.error, 'string');
    assert.equal(typeof body.message, 'string');
    assert.equal('stack' in body, false);
  }
});

test('a flow nested past 64 levels is refused naming the place; a deep but allowed one saves', async () => {
  const flow = (steps: object[]) => ({ name: 'deep', trigger: { connector: 'webhook', event: 'incoming' }, steps });
  const deepSet = await app.api('/api/v1/flows', { body: flow([{ id: 'keep', type: 'set', values: { ok: 1 } }, { id: 'deep', type: 'set', values: { x: nest(4000) } }]) });
  assert.equal(deepSet.status, 422, JSON.stringify(deepSet.json).slice(0, 300));
  assert.equal(deepSet.json.error, 'invalid_flow');
  assert.match(deepSet.json.issues[0].path, /^steps\[1\] \(deep\)\.values\.x\.a\.a.*…$/);
  assert.match(deepSet.json.issues[0].message, /deeper than 64 levels/);

  const deepCondition = await app.api('/api/v1/flows', { body: flow([{ id: 'f', type: 'filter', all: [{ left: '{{trigger.a}}', op: 'eq', right: nest(100) }] }]) });
  assert.equal(deepCondition.status, 422);
  assert.match(deepCondition.json.issues[0].path, /^steps\[0\] \(f\)\.all\[0\]\.right\.a/);

  const deepInput = await app.api('/api/v1/flows', { body: flow([{ id: 'call', type: 'action', connector: 'http', action: 'request', input: nest(200) }]) });
  assert.equal(deepInput.status, 422);
  assert.match(deepInput.json.issues[0].path, /^steps\[0\] \(call\)\.input\.a/);

  const allowed = await app.api('/api/v1/flows', { body: flow([{ id: 'deep', type: 'set', values: { x: nest(50, '{{ trigger.a }}') } }]) });
  assert.equal(allowed.status, 201, JSON.stringify(allowed.json).slice(0, 300));
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
});

test('deep webhook bodies: the deepest accepted one maps through templates; deeper ones are a 400; the server keeps serving', async () => {
  const created = await app.api('/api/v1/flows', {
    body: {
      name: 'mirror',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'copy', type: 'set', values: { whole: '{{ trigger }}', text: 'got {{ trigger }}', leaf: '{{ trigger.a.a.a.a }}' } }],
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const url = (created.json.webhookUrl as string).replace(app.services.config.publicUrl, app.url);
  const send = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  const body = nest(31); // 32 containers with the root: intake's limit
  const accepted = await send(JSON.stringify(body));
  assert.equal(accepted.status, 200);
  const { id } = (await accepted.json()) as { id: string };
  const execution = await waitFor(async () => {
    const list = await app.api(`/api/v1/executions?webhookId=${id}`);
    const item = list.json.items?.[0];
    return item && ['succeeded', 'failed'].includes(item.status) ? (await app.api(`/api/v1/executions/${item.id}`)).json : undefined;
  }, 15_000, 'the execution');
  assert.equal(execution.status, 'succeeded', execution.error);
  assert.deepEqual(execution.steps[0].output.whole, body);
  assert.equal(execution.steps[0].output.text, `got ${JSON.stringify(body)}`);

  for (const deep of ['['.repeat(5000) + ']'.repeat(5000), JSON.stringify(nest(3000))]) {
    const refused = await send(deep);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: string }).error, 'too_deep');
  }
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
});

test('templates over data deeper than the stack allows fail with a template error, not a RangeError', () => {
  const deep = nest(200_000);
  assert.throws(() => renderTemplate('text {{ trigger }}', { trigger: deep }), TemplateRuntimeError);
  assert.throws(() => renderTemplate('{{ trigger | json }}', { trigger: deep }), TemplateRuntimeError);
  assert.deepEqual(renderTemplate('{{ trigger.a.a }}', { trigger: nest(3) }), { a: 'x' });
  assert.throws(() => renderValue(nest(200_000, '{{ trigger }}'), { trigger: 1 }), (e: Error) => e instanceof TemplateRuntimeError && /deeper than 64/.test(e.message));
});

test('a forced 500 answers internal_error with a request id and no stack; the log line carries the same id', async () => {
  const s = app.services;
  const boom = () => {
    throw new Error('secret detail: disk on fire');
  };
  const originalList = s.store.listWorkspaces;
  const originalFind = s.targets.find;
  const originalMetrics = s.metrics.registry.metrics;
  s.store.listWorkspaces = boom;
  s.targets.find = boom;
  s.metrics.registry.metrics = boom;
  try {
    const forced = [
      await fetch(`${app.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${app.token}` } }),
      await fetch(`${app.url}/hooks/${'t'.repeat(32)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      await fetch(`${app.url}/metrics`),
    ];
    for (const res of forced) {
      assert.equal(res.status, 500, res.url);
      const text = await res.text();
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.equal(body.error, 'internal_error');
      assert.equal(body.message, 'Internal error');
      assert.match(String(body.requestId), /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.get('x-request-id'), body.requestId);
      assert.doesNotMatch(text, /disk on fire|at .*\.ts:\d+|stack/, 'no detail, no stack');
      const line = await waitFor(() => logLines.find((l) => l.reqId === body.requestId && l.level === 50), 5000, `log line of ${res.url}`);
      assert.match(String((line.err as { stack?: string }).stack), /disk on fire/, 'the log has the error and its stack');
    }
  } finally {
    s.store.listWorkspaces = originalList;
    s.targets.find = originalFind;
    s.metrics.registry.metrics = originalMetrics;
  }
  assert.equal((await app.api('/api/v1/auth/me')).status, 200, 'still serving');
});

test("a service's answer nested deeper than templates handle fails the step cleanly; the server keeps serving", async () => {
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  const service = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(deep));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  try {
    const port = (service.address() as AddressInfo).port;
    const conn = await app.api('/api/v1/connections', { body: { name: 'deep', connector: 'http', auth: { baseUrl: `http://127.0.0.1:${port}` } } });
    assert.equal(conn.status, 201, JSON.stringify(conn.json));
    const created = await app.api('/api/v1/flows', {
      body: {
        name: 'deep answer',
        enabled: true,
        trigger: { connector: 'webhook', event: 'incoming' },
        steps: [{ id: 'call', type: 'action', connector: 'http', action: 'request', connection: 'deep', input: { url: '/' } }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const url = (created.json.webhookUrl as string).replace(app.services.config.publicUrl, app.url);
    const accepted = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(accepted.status, 200);
    const { id } = (await accepted.json()) as { id: string };
    const execution = await waitFor(async () => {
      const item = (await app.api(`/api/v1/executions?webhookId=${id}`)).json.items?.[0];
      return item && ['succeeded', 'failed'].includes(item.status) ? (await app.api(`/api/v1/executions/${item.id}`)).json : undefined;
    }, 15_000, 'the execution');
    assert.equal(execution.status, 'failed');
    assert.match(execution.error, /nested deeper than 64 levels/);
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  } finally {
    await new Promise((resolve) => service.close(resolve));
  }
});
