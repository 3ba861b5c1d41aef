// The outbound guard (SSRF) and credentials bound to their origin, through real parts: a running
// app whose config does NOT allow loopback, real flow steps and connection tests, and real
// listening loopback servers that count every TCP connection they get, proving nothing reached them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';
import { request as undiciRequest } from 'undici';
import { loadConfig } from '../../src/config.ts';
import { PermanentError } from '../../src/connector-kit/errors.ts';
import { parseAllowList } from '../../src/engine/outbound/allow-list.ts';
import { blockedRange, OutboundBlockedError, OutboundGuard, type Resolver } from '../../src/engine/outbound/guard.ts';
import { createConnectorHttp } from '../../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../../src/engine/outbound/rate-limiter.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

const BLOCKED = /^Адрес запрещён для исходящих запросов \(локальная или частная сеть\): .+\. Разрешите его в SVYAZKA_OUTBOUND_ALLOW/;
const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);

interface Sentinel {
  port: number;
  /** TCP connections accepted: any contact at all, HTTP or not. */
  connections: number;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** A listening server on `host` that answers 200 (or what `answer` says) and counts everything. */
async function sentinel(host: string, answer?: (url: string) => { status: number; headers?: Record<string, string> }): Promise<Sentinel> {
  const s: Sentinel = { port: 0, connections: 0, requests: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    s.requests.push({ url: req.url ?? '', headers: req.headers });
    const a = answer?.(req.url ?? '') ?? { status: 200, headers: { 'content-type': 'application/json' } };
    res.writeHead(a.status, a.headers);
    res.end(a.status === 200 ? '{"ok":true}' : '');
  });
  server.on('connection', () => s.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  s.port = (server.address() as AddressInfo).port;
  s.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return s;
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = await sentinel('127.0.0.1');
  await s.close();
  return s.port;
}

/** Test names resolve only here; everything else goes to the system resolver. */
const resolver: Resolver = async (name) => {
  if (name === 'sentinel.test' || name === 'pinned.test') return [{ address: '127.0.0.1', family: 4 }];
  if (name === 'mixed.test') return [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }];
  if (name === 'meta.test') return [{ address: '::ffff:169.254.169.254', family: 6 }];
  const { lookup } = await import('node:dns/promises');
  return (await lookup(name, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

async function importFlow(app: TestApp, flow: object): Promise<{ id: string; webhookUrl: string }> {
  const res = await app.api('/api/v1/flows', { body: flow });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

/** A flow whose one step requests `{{trigger.url}}` (with the connection, if named). */
async function urlFlow(app: TestApp, name: string, connection?: string) {
  return importFlow(app, {
    name,
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [{ id: 'call', type: 'action', connector: 'http', action: 'request', ...(connection ? { connection } : {}), input: { method: 'GET', url: '{{trigger.url}}' } }],
  });
}

interface StepView {
  stepId: string;
  status: string;
  error: string | null;
  attempts: number;
  transactions: number;
  output: { status?: number } | null;
}

/** Sends one webhook and waits for its execution to finish; resolves to the step. */
async function runStep(app: TestApp, webhookUrl: string, url: string): Promise<{ status: string; step: StepView }> {
  const res = await fetch(webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
  assert.equal(res.status, 200);
  const { id } = (await res.json()) as { id: string };
  const ex = await waitFor(async () => {
    const list = await app.api(`/api/v1/executions?webhookId=${id}`);
    const item = list.json.items?.[0];
    if (!item || !FINAL.has(item.status)) return undefined;
    return (await app.api(`/api/v1/executions/${item.id}`)).json;
  }, 20_000, `execution for ${url}`);
  return { status: ex.status, step: ex.steps.find((s: StepView) => s.stepId === 'call') };
}

let connectionSeq = 0;
/** Saves an http connection with `auth` and runs its test through the API. */
async function connectionTest(app: TestApp, auth: Record<string, string>): Promise<{ ok: boolean; message: string }> {
  const saved = await app.api('/api/v1/connections', { body: { name: `probe-${++connectionSeq}`, connector: 'http', auth } });
  assert.equal(saved.status, 201, JSON.stringify(saved.json));
  const res = await app.api(`/api/v1/connections/${saved.json.id}/test`, { method: 'POST', body: {} });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json;
}

async function usedTransactions(app: TestApp): Promise<number> {
  return (await app.api('/api/v1/usage')).json.transactions.used;
}

describe('outbound guard: a server without SVYAZKA_OUTBOUND_ALLOW', () => {
  let app: TestApp;
  let v4: Sentinel;
  let v6: Sentinel | null;
  let flow: { webhookUrl: string };

  before(async () => {
    v4 = await sentinel('127.0.0.1');
    v6 = await sentinel('::1').catch(() => null);
    app = await startTestApp({ config: { outboundAllow: [] }, outboundResolver: resolver });
    flow = await urlFlow(app, 'probe');
  });
  after(async () => {
    await app?.close();
    await v4?.close();
    await v6?.close();
  });

  /** Every notation of a local or private address, with the loopback ones aimed at a live sentinel. */
  const targets = () => {
    const P = v4.port;
    const list = [
      `http://127.0.0.1:${P}/probe`,
      `http://0.0.0.0:${P}/probe`,
      `http://2130706433:${P}/probe`,
      `http://0x7f.1:${P}/probe`,
      `http://0x7f000001:${P}/probe`,
      `http://017700000001:${P}/probe`,
      `http://0177.0.0.1:${P}/probe`,
      `http://127.1:${P}/probe`,
      `http://127.0.0.1.:${P}/probe`,
      `http://localhost:${P}/probe`,
      `http://[::ffff:127.0.0.1]:${P}/probe`,
      `http://[::127.0.0.1]:${P}/probe`,
      `http://[64:ff9b::127.0.0.1]:${P}/probe`,
      `http://[::]:${P}/probe`,
      `http://sentinel.test:${P}/probe`,
      `http://mixed.test:${P}/probe`,
      `http://meta.test/latest/meta-data/`,
      `https://127.0.0.1:${P}/probe`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://10.255.255.255:8080/',
      'http://172.16.0.1/',
      'http://172.31.255.254/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://[ff02::1]/',
    ];
    if (v6) list.push(`http://[::1]:${v6.port}/probe`, `http://[0:0:0:0:0:0:0:1]:${v6.port}/probe`);
    return list;
  };

  test('a flow step to any local or private address fails at once with the one message, unsent and unmetered', async () => {
    const before = await usedTransactions(app);
    const results = await Promise.all(targets().map(async (url) => ({ url, ...(await runStep(app, flow.webhookUrl, url)) })));
    for (const { url, status, step } of results) {
      assert.equal(status, 'failed', url);
      assert.match(step.error ?? '', BLOCKED, url);
      assert.equal(step.attempts, 1, `${url}: a refusal is permanent, never retried`);
      assert.equal(step.transactions, 0, `${url}: a refused request costs no transaction`);
    }
    assert.equal(await usedTransactions(app), before, 'the plan counted no transaction');
    assert.equal(v4.connections, 0, 'the IPv4 loopback server was never contacted');
    assert.equal(v6?.connections ?? 0, 0, 'the IPv6 loopback server was never contacted');
  });

  test('the connection test passes the same guard: same message, nothing reached', async () => {
    for (const url of targets()) {
      const res = await connectionTest(app, { baseUrl: url });
      assert.equal(res.ok, false, url);
      assert.match(res.message, BLOCKED, url);
    }
    assert.equal(v4.connections, 0);
    assert.equal(v6?.connections ?? 0, 0);
  });

  test('the answer is the same for an open and a closed port (no port scanning)', async () => {
    const closed = await closedPort();
    const open = v4.port;
    const norm = (text: string, port: number) => text.replaceAll(String(port), 'PORT');
    for (const host of ['127.0.0.1', '2130706433', 'sentinel.test']) {
      const a = await runStep(app, flow.webhookUrl, `http://${host}:${open}/x`);
      const b = await runStep(app, flow.webhookUrl, `http://${host}:${closed}/x`);
      assert.match(a.step.error ?? '', BLOCKED);
      assert.equal(norm(a.step.error ?? '', open), norm(b.step.error ?? '', closed), host);
      const ca = await connectionTest(app, { baseUrl: `http://${host}:${open}/` });
      const cb = await connectionTest(app, { baseUrl: `http://${host}:${closed}/` });
      assert.equal(norm(ca.message, open), norm(cb.message, closed), host);
    }
    assert.equal(v4.connections, 0);
  });

  test('only http and https: other schemes are refused in the step and in the connection test', async () => {
    for (const url of ['file:///etc/passwd', `gopher://127.0.0.1:${v4.port}/_x`, `ftp://127.0.0.1:${v4.port}/`, `ws://127.0.0.1:${v4.port}/`, 'data:text/plain,hi']) {
      const { status, step } = await runStep(app, flow.webhookUrl, url);
      assert.equal(status, 'failed', url);
      assert.match(step.error ?? '', /только адреса http:\/\/ и https:\/\//, url);
      assert.equal(step.transactions, 0);
      const res = await connectionTest(app, { baseUrl: url });
      assert.equal(res.ok, false, url);
      assert.match(res.message, /http:\/\/ или https:\/\//, url);
    }
    assert.equal(v4.connections, 0);
  });

  test("the editor's sandbox test run reaches the sandbox the server started, and only it", async () => {
    const definition = {
      name: 'sandboxed',
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'call', type: 'action', connector: 'http', action: 'request', input: { method: 'POST', url: `http://127.0.0.1:${v4.port}/probe`, body: { a: 1 } } }],
    };
    const sandboxed = await app.api('/api/v1/flows/test-run', { body: { definition, sample: {}, sandbox: true } });
    assert.equal(sandboxed.status, 200, JSON.stringify(sandboxed.json));
    assert.equal(sandboxed.json.status, 'succeeded', JSON.stringify(sandboxed.json));
    assert.equal(sandboxed.json.steps[0].output.status, 200, 'the echo sandbox answered');
    const real = await app.api('/api/v1/flows/test-run', { body: { definition, sample: {}, sandbox: false } });
    assert.equal(real.json.status, 'failed');
    assert.match(real.json.steps[0].error, BLOCKED);
    assert.equal(v4.connections, 0);
  });

  test('a redirect from an allowed server to a private address is not followed', async () => {
    const target = `http://127.0.0.1:${v4.port}/probe`;
    const redirector = await sentinel('127.0.0.1', (url) => (url.startsWith('/meta') ? { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } } : { status: 302, headers: { location: target } }));
    // As the server does for its own sandboxes: exactly this address and port.
    const disallow = app.services.outbound.allow(`127.0.0.1:${redirector.port}`);
    try {
      for (const path of ['/go', '/meta']) {
        const { status, step } = await runStep(app, flow.webhookUrl, `http://127.0.0.1:${redirector.port}${path}`);
        assert.equal(status, 'succeeded', JSON.stringify(step));
        assert.equal(step.output?.status, path === '/go' ? 302 : 307, 'the redirect is the answer; it is not followed');
      }
      assert.equal(redirector.requests.length, 2);
      const test = await connectionTest(app, { baseUrl: `http://127.0.0.1:${redirector.port}/go` });
      assert.equal(test.ok, true, test.message);
      assert.equal(v4.connections, 0, 'the redirect target was never contacted');
    } finally {
      disallow();
      await redirector.close();
    }
    // Closed again: the same address is refused once the runtime allowance is withdrawn.
    const again = await runStep(app, flow.webhookUrl, `http://127.0.0.1:${redirector.port}/go`);
    assert.match(again.step.error ?? '', BLOCKED);
  });
});

describe('SVYAZKA_OUTBOUND_ALLOW opens the guard exactly as far as it says', () => {
  let a: Sentinel;
  let b: Sentinel;
  before(async () => {
    a = await sentinel('127.0.0.1');
    b = await sentinel('127.0.0.1');
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  /** A request through the engine's client with a guard of `allow`; the error message, or 'ok'. */
  async function attempt(allow: string, url: string): Promise<string> {
    const guard = new OutboundGuard({ allow: parseAllowList(allow), resolver });
    const http = createConnectorHttp({ guard, limiter: new LocalRateLimiter() });
    try {
      const res = await http.request({ method: 'GET', url });
      assert.equal(res.status, 200);
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    } finally {
      await guard.close();
    }
  }

  test('CIDR, IP address and host name entries, with and without a port', async () => {
    const A = a.port;
    const B = b.port;
    const cases: Array<[allow: string, url: string, passes: boolean]> = [
      ['127.0.0.0/8', `http://127.0.0.1:${A}/`, true],
      ['127.0.0.0/8', `http://127.0.0.1:${B}/`, true],
      [`127.0.0.0/8:${A}`, `http://127.0.0.1:${A}/`, true],
      [`127.0.0.0/8:${A}`, `http://127.0.0.1:${B}/`, false],
      ['127.0.0.1', `http://127.0.0.1:${B}/`, true],
      ['127.0.0.1', `http://2130706433:${B}/`, true],
      [`127.0.0.1:${A}`, `http://127.0.0.1:${A}/`, true],
      [`127.0.0.1:${A}`, `http://127.0.0.1:${B}/`, false],
      [`127.0.0.2:${A}`, `http://127.0.0.1:${A}/`, false],
      [`10.0.0.0/8,127.0.0.1:${B}`, `http://127.0.0.1:${B}/`, true],
      ['::ffff:127.0.0.1', `http://127.0.0.1:${A}/`, true],
      ['sentinel.test', `http://sentinel.test:${A}/`, true],
      ['sentinel.test', `http://sentinel.test:${B}/`, true],
      [`sentinel.test:${A}`, `http://sentinel.test:${A}/`, true],
      [`sentinel.test:${A}`, `http://sentinel.test:${B}/`, false],
      ['SENTINEL.test.', `http://sentinel.test:${A}/`, true],
      // A host name opens that name, not the address it resolves to.
      ['sentinel.test', `http://127.0.0.1:${A}/`, false],
      ['other.test', `http://sentinel.test:${A}/`, false],
      ['192.168.0.0/16', `http://127.0.0.1:${A}/`, false],
    ];
    for (const [allow, url, passes] of cases) {
      const beforeA = a.requests.length + b.requests.length;
      const result = await attempt(allow, url);
      if (passes) {
        assert.equal(result, 'ok', `${allow} should let ${url} through`);
        assert.equal(a.requests.length + b.requests.length, beforeA + 1);
      } else {
        assert.match(result, BLOCKED, `${allow} should not let ${url} through`);
        assert.equal(a.requests.length + b.requests.length, beforeA, `${url} was not contacted`);
      }
    }
  });

  test('IPv6 entries: [::1]:port and ::1/128', async (t) => {
    const v6 = await sentinel('::1').catch(() => null);
    if (!v6) return t.skip('no IPv6 loopback here');
    try {
      const other = await closedPort();
      assert.equal(await attempt(`[::1]:${v6.port}`, `http://[::1]:${v6.port}/`), 'ok');
      assert.match(await attempt(`[::1]:${other}`, `http://[::1]:${v6.port}/`), BLOCKED);
      assert.equal(await attempt('::1/128', `http://[::1]:${v6.port}/`), 'ok');
      assert.equal(await attempt('::1', `http://[0::1]:${v6.port}/`), 'ok');
      assert.match(await attempt('127.0.0.1', `http://[::1]:${v6.port}/`), BLOCKED);
      assert.equal(v6.requests.length, 3);
    } finally {
      await v6.close();
    }
  });

  test('a running app with 127.0.0.1:PORT allowed reaches that port only, in steps and connection tests', async () => {
    const app = await startTestApp({ config: { outboundAllow: parseAllowList(`127.0.0.1:${a.port}`) } });
    try {
      const flow = await urlFlow(app, 'allowed');
      const beforeA = a.requests.length;
      const ok = await runStep(app, flow.webhookUrl, `http://127.0.0.1:${a.port}/in`);
      assert.equal(ok.status, 'succeeded', JSON.stringify(ok.step));
      assert.equal(ok.step.transactions, 1);
      assert.equal(a.requests.length, beforeA + 1);
      const bBefore = b.connections;
      const refused = await runStep(app, flow.webhookUrl, `http://127.0.0.1:${b.port}/out`);
      assert.match(refused.step.error ?? '', BLOCKED);
      assert.equal(refused.step.transactions, 0);
      assert.equal((await connectionTest(app, { baseUrl: `http://127.0.0.1:${a.port}/` })).ok, true);
      assert.match((await connectionTest(app, { baseUrl: `http://127.0.0.1:${b.port}/` })).message, BLOCKED);
      assert.equal(b.connections, bBefore, 'the other port was never contacted');
    } finally {
      await app.close();
    }
  });

  test('the variable is validated at start with a message naming it and the entry', () => {
    const ok = loadConfig({ SVYAZKA_OUTBOUND_ALLOW: ' 10.0.0.0/8, ::1/128 ,127.0.0.1:8080,[::1]:8080, crm.local:8443,fd00::/8,' });
    assert.deepEqual(
      ok.outboundAllow.map((e) => [e.kind, e.port ?? null]),
      [['range', null], ['range', null], ['range', 8080], ['range', 8080], ['host', 8443], ['range', null]],
    );
    assert.deepEqual(loadConfig({}).outboundAllow, []);
    for (const bad of ['10.0.0.0/33', '127.0.0.1:99999', '127.0.0.1:abc', 'http://crm.local', 'crm local', '2130706433', '127.1', '[::1', 'fe80::1%eth0', '10.0.0.1:', '*', '*.crm.local']) {
      assert.throws(
        () => loadConfig({ SVYAZKA_OUTBOUND_ALLOW: bad }),
        (e: Error) => e.message.includes('SVYAZKA_OUTBOUND_ALLOW') && e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });
});

describe('the guard itself', () => {
  test('which addresses are refused, in every IPv6 wrapping of IPv4', () => {
    const refused = ['127.0.0.1', '127.255.255.254', '0.0.0.0', '0.1.2.3', '10.1.2.3', '172.16.0.1', '172.31.0.1', '192.168.0.1', '100.64.0.1', '100.127.255.254', '169.254.169.254', '224.0.0.1', '239.255.255.250', '255.255.255.255', '192.0.2.1', '198.18.0.1', '240.0.0.1',
      '::1', '::', 'fc00::1', 'fdff::1', 'fe80::1', 'febf::1', 'ff02::1', 'fec0::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1', '::10.0.0.1', '64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1', '2002:7f00:1::1', '2002:a00:1::1', '2001:db8::1', '::ffff:0:127.0.0.1'];
    const allowed = ['8.8.8.8', '93.184.215.14', '100.63.255.255', '100.128.0.1', '172.15.255.255', '172.32.0.1', '169.253.0.1', '2a00:1450:4010:c05::64', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1'];
    for (const ip of refused) assert.notEqual(blockedRange(ipaddr.parse(ip)), null, `${ip} must be refused`);
    for (const ip of allowed) assert.equal(blockedRange(ipaddr.parse(ip)), null, `${ip} is public`);
  });

  test('check() (for SMTP, Telegram and the like) reads every notation getaddrinfo does', async () => {
    const guard = new OutboundGuard({ resolver });
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '0x7f000001', '017700000001', '0177.0.0.1', '127.1', '0', '0.0.0.0', '[::1]', '::ffff:127.0.0.1', 'sentinel.test', 'mixed.test', 'localhost']) {
      await assert.rejects(guard.check(host, 25), (e: unknown) => e instanceof OutboundBlockedError && e instanceof PermanentError && BLOCKED.test(e.message), host);
    }
    assert.deepEqual(await guard.check('8.8.8.8', 443), { address: '8.8.8.8', family: 4 });
    await assert.rejects(guard.checkUrl('file:///etc/passwd'), PermanentError);
  });

  test('the dispatcher checks each socket it opens, even when the caller skipped the check', async () => {
    const s = await sentinel('127.0.0.1');
    const guard = new OutboundGuard({ resolver });
    try {
      await assert.rejects(undiciRequest(`http://127.0.0.1:${s.port}/`, { dispatcher: guard.dispatcher }), OutboundBlockedError);
      await assert.rejects(undiciRequest(`http://sentinel.test:${s.port}/`, { dispatcher: guard.dispatcher }), OutboundBlockedError);
      assert.equal(s.connections, 0);
    } finally {
      await guard.close();
      await s.close();
    }
  });

  test('a name is connected at the address that was checked, and keeps its Host', async () => {
    const s = await sentinel('127.0.0.1');
    let lookups = 0;
    const counting: Resolver = async (name) => {
      lookups++;
      return resolver(name);
    };
    const guard = new OutboundGuard({ allow: parseAllowList(`pinned.test:${s.port}`), resolver: counting });
    try {
      const http = createConnectorHttp({ guard, limiter: new LocalRateLimiter() });
      const res = await http.request({ method: 'GET', url: `http://pinned.test:${s.port}/pinned` });
      assert.equal(res.status, 200);
      assert.equal(s.requests[0].headers.host, `pinned.test:${s.port}`);
      // The check before metering and the socket's own check share one answer.
      assert.equal(lookups, 1);
    } finally {
      await guard.close();
      await s.close();
    }
  });

  test('netLookup guards plain sockets (mail, messengers) the same way', async () => {
    const s = await sentinel('127.0.0.1');
    const connectVia = (guard: OutboundGuard, host: string) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port: s.port, lookup: guard.netLookup(s.port) }, () => {
          socket.end();
          resolve();
        });
        socket.once('error', reject);
      });
    const closedGuard = new OutboundGuard({ resolver });
    const openGuard = new OutboundGuard({ allow: parseAllowList(`127.0.0.1:${s.port}`), resolver });
    try {
      await assert.rejects(connectVia(closedGuard, 'sentinel.test'), OutboundBlockedError);
      await assert.rejects(connectVia(closedGuard, 'localhost'), OutboundBlockedError);
      assert.equal(s.connections, 0);
      await connectVia(openGuard, 'sentinel.test');
      await waitFor(() => s.connections === 1, 5_000, 'the allowed connection');
    } finally {
      await s.close();
    }
  });

  test('a passed check is remembered only while its DNS answer is: a name that turns private is refused', async () => {
    let clock = 1_000_000;
    let answer = '93.184.215.14';
    let lookups = 0;
    const guard = new OutboundGuard({
      now: () => clock,
      resolver: async () => {
        lookups++;
        return [{ address: answer, family: 4 }];
      },
    });
    assert.deepEqual(await guard.check('turns.test', 443), { address: '93.184.215.14', family: 4 });
    answer = '10.0.0.7';
    clock += 4_000;
    // Within the DNS answer's lifetime: the same answer, checked before, lets it through again.
    assert.deepEqual(await guard.check('turns.test', 443), { address: '93.184.215.14', family: 4 });
    assert.equal(lookups, 1);
    clock += 2_000;
    // The answer expired: asked again, it is private now, and the earlier pass does not count.
    await assert.rejects(guard.check('turns.test', 443), OutboundBlockedError);
    assert.equal(lookups, 2);
    await assert.rejects(guard.checkUrl('https://turns.test/'), OutboundBlockedError);
  });

  test('a runtime allowance is exact and can be withdrawn', async () => {
    const guard = new OutboundGuard({ resolver });
    const disallow = guard.allow('http://127.0.0.1:4010');
    assert.deepEqual(await guard.check('127.0.0.1', 4010), { address: '127.0.0.1', family: 4 });
    await assert.rejects(guard.check('127.0.0.1', 4011), OutboundBlockedError);
    await assert.rejects(guard.check('127.0.0.2', 4010), OutboundBlockedError);
    disallow();
    await assert.rejects(guard.check('127.0.0.1', 4010), OutboundBlockedError);
  });
});

describe('credentials go only to the connection origin', () => {
  let app: TestApp;
  let own: Sentinel;
  let foreign: Sentinel;
  let flow: { webhookUrl: string };
  const SECRET = 'svz-secret-5f1e8c2a';

  before(async () => {
    own = await sentinel('127.0.0.1');
    foreign = await sentinel('127.0.0.1');
    // Loopback allowed (the default test config): only the origin rule stands between the step and the foreign server.
    app = await startTestApp();
    const saved = await app.api('/api/v1/connections', { body: { name: 'api', connector: 'http', auth: { baseUrl: `http://127.0.0.1:${own.port}/v1`, headerName: 'X-Api-Key', headerValue: SECRET } } });
    assert.equal(saved.status, 201);
    const bare = await app.api('/api/v1/connections', { body: { name: 'no-base', connector: 'http', auth: { headerName: 'Authorization', headerValue: `Bearer ${SECRET}` } } });
    assert.equal(bare.status, 201);
    flow = await urlFlow(app, 'with-credentials', 'api');
  });
  after(async () => {
    await app?.close();
    await own?.close();
    await foreign?.close();
  });

  test('a relative path and an absolute URL on the same origin carry the auth header', async () => {
    for (const url of ['/orders', `http://127.0.0.1:${own.port}/v1/orders`, `HTTP://127.0.0.1:${own.port}/other`]) {
      const { status } = await runStep(app, flow.webhookUrl, url);
      assert.equal(status, 'succeeded', url);
    }
    assert.equal(own.requests.length, 3);
    for (const r of own.requests) assert.equal(r.headers['x-api-key'], SECRET);
  });

  test('an absolute URL on another origin is refused naming both origins; the foreign server sees nothing', async () => {
    const ownOrigin = `http://127.0.0.1:${own.port}`;
    for (const url of [`http://127.0.0.1:${foreign.port}/steal`, `http://localhost:${own.port}/v1/orders`, `https://127.0.0.1:${own.port}/v1`]) {
      const { status, step } = await runStep(app, flow.webhookUrl, url);
      assert.equal(status, 'failed', url);
      assert.ok(step.error?.includes(ownOrigin), `${url}: ${step.error}`);
      assert.ok(step.error?.includes(new URL(url).origin), `${url}: ${step.error}`);
      assert.equal(step.attempts, 1);
      assert.equal(step.transactions, 0);
      assert.ok(!step.error?.includes(SECRET));
    }
    assert.equal(foreign.connections, 0, 'the foreign server got no request, with or without the header');
  });

  test('a connection with an auth header but no base URL sends it nowhere', async () => {
    const bareFlow = await urlFlow(app, 'no-base-url', 'no-base');
    const { status, step } = await runStep(app, bareFlow.webhookUrl, `http://127.0.0.1:${foreign.port}/steal`);
    assert.equal(status, 'failed');
    assert.match(step.error ?? '', /нет базового URL/);
    assert.equal(foreign.connections, 0);
    const list = await app.api('/api/v1/connections');
    const id = list.json.items.find((c: { name: string }) => c.name === 'no-base').id;
    const res = await app.api(`/api/v1/connections/${id}/test`, { method: 'POST', body: {} });
    assert.equal(res.json.ok, false);
    assert.match(res.json.message, /базовый URL/);
  });

  test('a stored secret cannot be moved: changing the base URL origin needs the secret entered again', async () => {
    const created = await app.api('/api/v1/connections', { body: { name: 'movable', connector: 'http', auth: { baseUrl: `http://127.0.0.1:${own.port}/v1`, headerName: 'X-Api-Key', headerValue: SECRET } } });
    const id = created.json.id;
    const moved = await app.api(`/api/v1/connections/${id}`, { method: 'PATCH', body: { auth: { baseUrl: `http://127.0.0.1:${foreign.port}/` } } });
    assert.equal(moved.status, 400, JSON.stringify(moved.json));
    assert.equal(moved.json.field, 'auth.headerValue');
    // Nothing changed: a test of the connection still goes home, and the foreign server saw nothing.
    const test = await app.api(`/api/v1/connections/${id}/test`, { method: 'POST', body: {} });
    assert.equal(test.json.ok, true, test.json.message);
    assert.equal(foreign.connections, 0);
    // A new path on the same origin keeps the secret; a new origin with the secret re-entered is fine.
    assert.equal((await app.api(`/api/v1/connections/${id}`, { method: 'PATCH', body: { auth: { baseUrl: `http://127.0.0.1:${own.port}/v2` } } })).status, 200);
    assert.equal((await app.api(`/api/v1/connections/${id}`, { method: 'PATCH', body: { auth: { headerName: 'Authorization' } } })).status, 200);
    assert.equal((await app.api(`/api/v1/connections/${id}`, { method: 'PATCH', body: { auth: { baseUrl: `http://127.0.0.1:${foreign.port}/`, headerValue: 'another-secret' } } })).status, 200);
  });

  test('a step without the connection sends no credentials anywhere', async () => {
    const plain = await urlFlow(app, 'no-connection');
    const { status } = await runStep(app, plain.webhookUrl, `http://127.0.0.1:${foreign.port}/plain`);
    assert.equal(status, 'succeeded');
    assert.equal(foreign.requests.length, 1);
    assert.equal(foreign.requests[0].headers['x-api-key'], undefined);
    assert.ok(!JSON.stringify(foreign.requests[0].headers).includes(SECRET));
  });
});
