import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { PermanentError, TransientError } from '../../src/connector-kit/errors.ts';
import { startEchoTarget, type EchoTarget } from '../../src/connectors/http/echo-target.ts';
import { httpConnector } from '../../src/connectors/http/index.ts';
import { requestAction } from '../../src/connectors/http/actions/request.ts';
import type { ActionContext, AuthValues } from '../../src/connector-kit/types.ts';
import { createConnectorHttp, type OutboundOptions } from '../../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../../src/engine/outbound/rate-limiter.ts';
import { loopbackGuard } from '../support/connector-ctx.ts';

type Sent = Parameters<NonNullable<OutboundOptions['onRequest']>>[0];

const logger = pino({ level: 'silent' });
const limiter = new LocalRateLimiter();

function context(auth: AuthValues = {}, extra: Partial<OutboundOptions> = {}): { ctx: ActionContext; sent: Sent[] } {
  const sent: Sent[] = [];
  const http = createConnectorHttp({ guard: loopbackGuard, limiter, limitKey: 'test', ratePerSecond: 1000, onRequest: (i) => sent.push(i), ...extra });
  const ctx: ActionContext = { auth, http, logger, signal: new AbortController().signal, idempotencyKey: 'ex1-step1', executionId: 'ex1', stepId: 'step1' };
  return { ctx, sent };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('http connector against the echo target', () => {
  let echo: EchoTarget;
  before(async () => {
    echo = await startEchoTarget();
  });
  after(async () => {
    await echo.close();
  });
  beforeEach(() => echo.reset());

  test('GET with query: parsed JSON body, data spread, headers lower-cased', async () => {
    const { ctx, sent } = context();
    const out = await requestAction.run(ctx, { url: `${echo.baseUrl}/items?fixed=1`, query: { page: 2, q: 'тест', skip: undefined, none: null } });
    assert.equal(out.status, 200);
    const data = out.data as Record<string, unknown>;
    assert.equal(data.ok, true);
    assert.equal(data.method, 'GET');
    assert.deepEqual(data.query, { fixed: '1', page: '2', q: 'тест' });
    assert.deepEqual((out.body as Record<string, unknown>).query, data.query);
    assert.match((out.headers as Record<string, string>)['content-type'], /application\/json/);
    const got = echo.received().at(-1)!;
    assert.equal(got.method, 'GET');
    assert.equal(got.headers['idempotency-key'], undefined, 'GET carries no idempotency key by default');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].status, 200);
    assert.equal(sent[0].method, 'GET');
    assert.equal(sent[0].url, `${echo.baseUrl}/items`, 'metered URL has no query string');
  });

  test('POST json sends an Idempotency-Key and the body as JSON', async () => {
    const { ctx } = context();
    const out = await requestAction.run(ctx, { method: 'post', url: `${echo.baseUrl}/deals`, body: { number: 'A1', sum: 990, items: [{ sku: 'x' }] } });
    assert.equal(out.status, 200);
    const got = echo.received().at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(got.body, { number: 'A1', sum: 990, items: [{ sku: 'x' }] });
    assert.equal(got.headers['idempotency-key'], 'ex1-step1');
    assert.equal(echo.countByKey().get('ex1-step1'), 1);
    assert.deepEqual((out.data as Record<string, unknown>).body, { number: 'A1', sum: 990, items: [{ sku: 'x' }] });
  });

  test('JSON text in body is sent as is, not as a JSON string', async () => {
    const { ctx } = context();
    await requestAction.run(ctx, { method: 'PUT', url: `${echo.baseUrl}/x`, body: '{"a":1}' });
    assert.deepEqual(echo.received().at(-1)!.body, { a: 1 });
  });

  test('POST form is url-encoded', async () => {
    const { ctx } = context();
    await requestAction.run(ctx, { method: 'POST', url: `${echo.baseUrl}/form`, bodyType: 'form', body: { name: 'Иван', qty: 3, flag: true } });
    const got = echo.received().at(-1)!;
    assert.equal(got.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(got.body, { name: 'Иван', qty: '3', flag: 'true' });
  });

  test('raw text body and a custom idempotency header', async () => {
    const { ctx } = context();
    await requestAction.run(ctx, { method: 'PATCH', url: `${echo.baseUrl}/raw`, bodyType: 'raw', body: 'plain text', idempotencyHeader: 'X-Request-Id' });
    const got = echo.received().at(-1)!;
    assert.equal(got.body, 'plain text');
    assert.equal(got.headers['x-request-id'], 'ex1-step1');
    assert.equal(got.headers['idempotency-key'], undefined);
    await requestAction.run(ctx, { method: 'POST', url: `${echo.baseUrl}/raw`, idempotencyHeader: '' });
    assert.equal(echo.received().at(-1)!.headers['idempotency-key'], undefined, 'empty header name disables the key');
  });

  test('per-connection base URL and auth header reach the target', async () => {
    const { ctx } = context({ baseUrl: `${echo.baseUrl}/api/v1/`, headerName: 'X-Api-Key', headerValue: 'k-123' });
    const out = await requestAction.run(ctx, { url: '/orders', headers: { 'x-api-key': 'from-step', 'X-Trace': 7 } });
    assert.equal((out.data as Record<string, unknown>).path, '/api/v1/orders');
    const got = echo.received().at(-1)!;
    assert.equal(got.headers['x-api-key'], 'k-123', 'connection header wins');
    assert.equal(got.headers['x-trace'], '7');
    // Authorization is sent too, but the echo target does not record it.
    const bearer = context({ baseUrl: echo.baseUrl, headerName: 'Authorization', headerValue: 'Bearer secret' });
    await requestAction.run(bearer.ctx, { url: 'whoami' });
    assert.equal(echo.received().at(-1)!.headers.authorization, undefined);
  });

  test('the auth header goes only to the base URL origin: another origin or no base URL is refused, nothing sent', async () => {
    const foreignPort = await closedPort();
    const auth = { baseUrl: `${echo.baseUrl}/api/`, headerName: 'X-Api-Key', headerValue: 'k-secret' };
    const { ctx, sent } = context(auth);
    const own = new URL(echo.baseUrl).origin;
    for (const url of [`http://127.0.0.1:${foreignPort}/steal`, echo.baseUrl.replace('127.0.0.1', 'localhost') + '/x', echo.baseUrl.replace('http:', 'https:')]) {
      await assert.rejects(requestAction.run(ctx, { url }), (e: unknown) => {
        assert.ok(e instanceof PermanentError);
        assert.ok(e.message.includes(own) && e.message.includes(new URL(url).origin), e.message);
        assert.ok(!e.message.includes('k-secret'));
        return true;
      });
    }
    assert.equal(sent.length, 0);
    // Same origin, written absolutely: allowed (the path may leave the base URL's path).
    const out = await requestAction.run(ctx, { url: `${echo.baseUrl}/elsewhere` });
    assert.equal((out.data as Record<string, unknown>).path, '/elsewhere');
    assert.equal(echo.received().at(-1)!.headers['x-api-key'], 'k-secret');
    // Without a base URL the header has no origin to go to.
    const bare = context({ headerName: 'X-Api-Key', headerValue: 'k-secret' });
    await assert.rejects(requestAction.run(bare.ctx, { url: `${echo.baseUrl}/x` }), /нет базового URL/);
    await assert.rejects(httpConnector.auth.test!({ auth: { headerName: 'X-Api-Key', headerValue: 'k-secret' }, http: bare.ctx.http, logger, signal: bare.ctx.signal }), /базовый URL/);
    assert.equal(bare.sent.length, 0);
    // Without a secret there is nothing to bind: any absolute URL is fine.
    const open = context({ baseUrl: echo.baseUrl, headerName: 'X-Api-Key' });
    await requestAction.run(open.ctx, { url: `${echo.baseUrl}/fine` });
  });

  test('4xx → PermanentError with the remote message; metered', async () => {
    const { ctx, sent } = context();
    await assert.rejects(requestAction.run(ctx, { url: `${echo.baseUrl}/status/400` }), (e: unknown) => {
      assert.ok(e instanceof PermanentError);
      assert.match(e.message, /Remote said 400/);
      assert.equal(e.status, 400);
      return true;
    });
    assert.deepEqual(sent.map((s) => s.status), [400]);
  });

  test('failOnStatus false returns the error answer as output', async () => {
    const { ctx } = context();
    const out = await requestAction.run(ctx, { url: `${echo.baseUrl}/status/404`, failOnStatus: false });
    assert.equal(out.status, 404);
    assert.equal((out.data as Record<string, unknown>).message, 'Remote said 404');
  });

  test('503 with Retry-After → TransientError with retryAfterMs', async () => {
    const { ctx, sent } = context();
    echo.failNext(1, 503, '7');
    await assert.rejects(requestAction.run(ctx, { method: 'POST', url: `${echo.baseUrl}/deals`, body: { a: 1 } }), (e: unknown) => {
      assert.ok(e instanceof TransientError);
      assert.equal(e.status, 503);
      assert.equal(e.retryAfterMs, 7000);
      assert.match(e.message, /Injected failure/);
      return true;
    });
    await assert.rejects(requestAction.run(ctx, { url: `${echo.baseUrl}/status/429?retryAfter=2` }), (e: unknown) => e instanceof TransientError && e.retryAfterMs === 2000);
    // The retry carries the same key, and the target counted both attempts.
    await requestAction.run(ctx, { method: 'POST', url: `${echo.baseUrl}/deals`, body: { a: 1 } });
    assert.equal(echo.countByKey().get('ex1-step1'), 2);
    assert.deepEqual(sent.map((s) => s.status), [503, 429, 200]);
  });

  test('connection refused → TransientError naming the URL; still metered', async () => {
    const port = await closedPort();
    const { ctx, sent } = context();
    await assert.rejects(requestAction.run(ctx, { url: `http://127.0.0.1:${port}/x?apiKey=secret` }), (e: unknown) => {
      assert.ok(e instanceof TransientError);
      assert.equal(e.message, `Connection refused: http://127.0.0.1:${port}/x`);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
    assert.equal(sent.length, 1);
    assert.equal(sent[0].status, null);
  });

  test('timeout → TransientError "Timed out after N ms"', async () => {
    const { ctx, sent } = context();
    await assert.rejects(requestAction.run(ctx, { url: `${echo.baseUrl}/slow/3000`, timeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof TransientError);
      assert.match(e.message, /^Timed out after 200 ms/);
      return true;
    });
    assert.equal(sent.length, 1);
  });

  test('invalid URLs and bad input → PermanentError naming the field, nothing sent', async () => {
    const { ctx, sent } = context();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: 'ftp://example.com/file' }, /"url".*http/],
      [{ url: 'javascript:alert(1)' }, /"url"/],
      [{ url: 'http://' }, /"url"/],
      [{ url: '/relative' }, /"url".*базового URL/],
      [{ url: 'localhost:8080/x' }, /"url".*схем/],
      [{}, /"url"/],
      [{ url: `${echo.baseUrl}/x`, method: 'FETCH' }, /"method"/],
      [{ url: `${echo.baseUrl}/x`, bodyType: 'xml', body: 'a' }, /"bodyType"/],
      [{ url: `${echo.baseUrl}/x`, timeoutMs: 'soon' }, /"timeoutMs"/],
      [{ url: `${echo.baseUrl}/x`, headers: 'nope' }, /"headers"/],
    ];
    for (const [input, pattern] of cases) {
      await assert.rejects(requestAction.run(ctx, input), (e: unknown) => {
        assert.ok(e instanceof PermanentError, `${JSON.stringify(input)} → ${String(e)}`);
        assert.match(e.message, pattern, JSON.stringify(input));
        return true;
      });
    }
    assert.equal(sent.length, 0);
  });

  test('a header value with a line break is refused without leaking it', async () => {
    const { ctx, sent } = context();
    await assert.rejects(requestAction.run(ctx, { url: `${echo.baseUrl}/x`, headers: { 'X-Token': 'abc\r\nInjected: 1' } }), (e: unknown) => {
      assert.ok(e instanceof PermanentError);
      assert.doesNotMatch(e.message, /abc|Injected/);
      return true;
    });
    assert.equal(sent.length, 0);
  });

  test('rate limit applies per key through the client', async () => {
    const { ctx } = context({}, { ratePerSecond: 4, limitKey: 'slow-conn' });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => requestAction.run(ctx, { url: `${echo.baseUrl}/limited` })));
    assert.ok(performance.now() - t0 >= 950, 'the fifth request waits for the window');
  });

  test('an aborted step signal stops the request with a TransientError', async () => {
    const controller = new AbortController();
    const { ctx } = context({}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('Step timed out')), 100);
    await assert.rejects(requestAction.run(ctx, { url: `${echo.baseUrl}/slow/3000` }), (e: unknown) => e instanceof TransientError && /Step timed out/.test(e.message));
  });

  test('connection test: no base URL needs no call; reachable base URL passes; refused fails in Russian', async () => {
    const { ctx, sent } = context();
    await httpConnector.auth.test!(ctx);
    assert.equal(sent.length, 0);
    await httpConnector.auth.test!(context({ baseUrl: `${echo.baseUrl}/status/404` }).ctx);
    await httpConnector.auth.test!(context({ baseUrl: echo.baseUrl, headerName: 'Authorization', headerValue: 'Bearer x' }).ctx);
    await assert.rejects(httpConnector.auth.test!(context({ baseUrl: `${echo.baseUrl}/status/502` }).ctx), /ответил ошибкой HTTP 502/);
    await assert.rejects(httpConnector.auth.test!(context({ baseUrl: `${echo.baseUrl}/status/401` }).ctx), /отказал в доступе/);
    const port = await closedPort();
    await assert.rejects(httpConnector.auth.test!(context({ baseUrl: `http://127.0.0.1:${port}` }).ctx), /недоступен/);
    await assert.rejects(httpConnector.auth.test!(context({ baseUrl: 'not a url' }).ctx), /некорректен/);
  });
});

describe('outbound client', () => {
  test('non-JSON answers keep text and json undefined; oversize bodies are refused', async () => {
    const { createServer: createHttp } = await import('node:http');
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 'a');
    const srv = createHttp((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(big);
      } else if (req.url === '/cp1251') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=windows-1251' });
        res.end(Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2])); // «Привет»
      } else {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<p>hi</p>');
      }
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    try {
      const sent: Sent[] = [];
      const http = createConnectorHttp({ guard: loopbackGuard, limiter, onRequest: (i) => sent.push(i) });
      const html = await http.request({ method: 'GET', url: `${base}/` });
      assert.equal(html.text, '<p>hi</p>');
      assert.equal(html.json, undefined);
      assert.equal(html.headers['set-cookie'], 'a=1, b=2');
      const ru = await http.request({ method: 'GET', url: `${base}/cp1251` });
      assert.equal(ru.text, 'Привет');
      await assert.rejects(http.request({ method: 'GET', url: `${base}/big` }), (e: unknown) => e instanceof PermanentError && /larger than/.test(e.message));
      assert.deepEqual(sent.map((s) => s.status), [200, 200, 200]);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});

describe('outbound client, answers cut short', () => {
  test('a body cut off midway is a transient failure (retried), not a hang or a half answer', async () => {
    const { createServer: createHttp } = await import('node:http');
    const srv = createHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"ok":tr');
      setImmediate(() => res.socket?.destroy());
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const http = createConnectorHttp({ guard: loopbackGuard, limiter, defaultTimeoutMs: 60_000 });
      await assert.rejects(
        http.request({ method: 'GET', url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/` }),
        (e: unknown) => e instanceof TransientError && /closed|terminated|socket/i.test(e.message),
      );
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
