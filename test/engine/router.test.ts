// The router step: the first branch whose conditions hold runs, else `otherwise`, then the flow
// goes on; branches not taken leave no output; checked at save; a resumed run keeps its branch and
// does not repeat a finished step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

let app: TestApp;
let echo: Awaited<ReturnType<typeof startEchoTarget>>;
before(async () => {
  echo = await startEchoTarget();
  app = await startTestApp();
  const conn = await app.api('/api/v1/connections', { body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
});
after(async () => {
  await app.close();
  await echo.close();
});

const call = (id: string, path: string) => ({ id, type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: path, body: { n: '{{trigger.n}}' } } });

const routed = (extra: Record<string, unknown> = {}) => ({
  name: 'router',
  enabled: true,
  trigger: { connector: 'webhook', event: 'incoming' },
  steps: [
    {
      id: 'route',
      type: 'router',
      branches: [
        { id: 'paid', all: [{ left: '{{trigger.status}}', op: 'eq', right: 'paid' }], steps: [{ id: 'p', type: 'set', values: { what: 'paid {{trigger.n}}' } }, call('pcall', '/paid')] },
        { id: 'cancel', any: [{ left: '{{trigger.status}}', op: 'eq', right: 'cancel' }, { left: '{{trigger.status}}', op: 'eq', right: 'void' }], steps: [{ id: 'c', type: 'set', values: { what: 'cancel' } }] },
      ],
      otherwise: [{ id: 'o', type: 'set', values: { what: 'other' } }],
    },
    { id: 'after', type: 'set', values: { p: '{{steps.p.what}}', c: '{{steps.c.what}}', o: '{{steps.o.what}}', branch: '{{steps.route.branch}}' } },
  ],
  ...extra,
});

async function createFlow(def: unknown): Promise<{ id: string; url: string }> {
  const flow = await app.api('/api/v1/flows', { body: def });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  return { id: flow.json.id, url: `${app.url}${new URL(flow.json.webhookUrl).pathname}` };
}

async function runOnce(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const { id } = (await res.json()) as { id: string };
  return waitFor(async () => {
    const list = await app.api(`/api/v1/executions?webhookId=${id}`);
    const ex = list.json.items?.[0];
    if (!ex || !['succeeded', 'failed', 'stopped', 'filtered'].includes(ex.status)) return undefined;
    return (await app.api(`/api/v1/executions/${ex.id}`)).json;
  }, 15_000, 'the execution to finish');
}

test('each branch, the otherwise branch, and the steps after the router', async () => {
  const { url } = await createFlow(routed());
  echo.reset();
  const paid = await runOnce(url, { status: 'paid', n: 1 });
  assert.equal(paid.status, 'succeeded');
  assert.deepEqual(paid.steps.map((s: { stepId: string }) => s.stepId), ['route', 'p', 'pcall', 'after']);
  // Steps of the branches not taken have no output: their values are absent.
  assert.deepEqual(paid.steps.at(-1).output, { p: 'paid 1', branch: 'paid' });
  assert.equal(echo.received().filter((r) => r.path === '/paid').length, 1);

  const cancel = await runOnce(url, { status: 'void', n: 2 });
  assert.deepEqual(cancel.steps.map((s: { stepId: string }) => s.stepId), ['route', 'c', 'after']);
  assert.deepEqual(cancel.steps.at(-1).output, { c: 'cancel', branch: 'cancel' });

  const other = await runOnce(url, { status: 'new', n: 3 });
  assert.deepEqual(other.steps.map((s: { stepId: string }) => s.stepId), ['route', 'o', 'after']);
  assert.equal(other.steps[0].output.branch, 'otherwise');
  // The router's journal says which conditions were tried.
  assert.deepEqual(other.steps[0].input.tried.map((t: { branch: string; passed: boolean }) => [t.branch, t.passed]), [['paid', false], ['cancel', false]]);
  assert.equal(echo.received().filter((r) => r.path === '/paid').length, 1);
});

test('no branch and no otherwise: the router passes and the flow goes on', async () => {
  const def = routed();
  delete (def.steps[0] as { otherwise?: unknown }).otherwise;
  delete (def.steps[1] as { values: Record<string, unknown> }).values.o;
  const { url } = await createFlow({ ...def, name: 'router-no-otherwise' });
  const ex = await runOnce(url, { status: 'new', n: 4 });
  assert.equal(ex.status, 'succeeded');
  assert.deepEqual(ex.steps.map((s: { stepId: string }) => s.stepId), ['route', 'after']);
  assert.equal(ex.steps[0].output.branch, null);
});

test('save-time checks: duplicate ids across branches, a branch step reading another branch, bad conditions', async () => {
  const bad = await app.api('/api/v1/flows', {
    body: {
      name: 'bad router',
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        { id: 'x', type: 'set', values: { a: '1' } },
        {
          id: 'route',
          type: 'router',
          branches: [
            { id: 'a', all: [{ left: '{{trigger.s}}', op: 'regex', right: '([' }], steps: [{ id: 'x', type: 'set', values: { v: '1' } }, { id: 'a1', type: 'set', values: { v: '1' } }] },
            { id: 'b', all: [{ left: '{{trigger.s}}', op: 'eq', right: 'b' }], steps: [{ id: 'b1', type: 'set', values: { v: '{{steps.a1.v}}' } }] },
          ],
        },
      ],
    },
  });
  assert.equal(bad.status, 422, JSON.stringify(bad.json));
  const issues: Array<{ path: string; message: string }> = bad.json.issues;
  assert.ok(issues.some((i) => i.path === 'steps[1] (route).branches[0].steps[0] (x).id' && /duplicate step id "x"/.test(i.message)), JSON.stringify(issues));
  assert.ok(issues.some((i) => i.path.startsWith('steps[1] (route).branches[0] (a).all[0]')), JSON.stringify(issues));
  assert.ok(issues.some((i) => i.path.startsWith('steps[1] (route).branches[1].steps[0] (b1).values') && /unknown step id "a1"/.test(i.message)), JSON.stringify(issues));
  const nested = await app.api('/api/v1/flows', {
    body: { name: 'nested', trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'r', type: 'router', branches: [{ id: 'a', all: [{ left: '1', op: 'eq', right: '1' }], steps: [{ id: 'r2', type: 'router', branches: [] }] }] }] },
  });
  assert.equal(nested.status, 422, 'no router inside a router');
});

test('a run parked inside a branch resumes after a restart in the same branch without repeating the finished call', async () => {
  const def = routed({ name: 'router-resume' });
  (def.steps[0] as { branches: Array<{ steps: unknown[] }> }).branches[0].steps.push({ id: 'wait', type: 'delay', seconds: 1 });
  const { id: flowId, url } = await createFlow(def);
  echo.reset();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'paid', n: 9 }) });
  assert.equal(res.status, 200);
  await waitFor(async () => ((await app.api(`/api/v1/executions?flowId=${flowId}`)).json.items[0]?.status === 'waiting' ? true : undefined), 15_000, 'the run to park in its delay');
  assert.equal(echo.received().filter((r) => r.path === '/paid').length, 1);
  app = await app.restart();
  const done = await waitFor(async () => {
    const ex = (await app.api(`/api/v1/executions?flowId=${flowId}`)).json.items[0];
    return ex?.status === 'succeeded' ? (await app.api(`/api/v1/executions/${ex.id}`)).json : undefined;
  }, 15_000, 'the resumed run to finish');
  assert.deepEqual(done.steps.map((s: { stepId: string }) => s.stepId), ['route', 'p', 'pcall', 'wait', 'after']);
  assert.equal(echo.received().filter((r) => r.path === '/paid').length, 1, 'the finished call is not sent again');
});
