// Every answer carries the security headers (API, /hooks, the web UI, health, 404s, errors); the
// session cookie is Secure when the public address is https; /metrics wants its token when set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../../src/api/auth.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const PASSWORD = 'correct horse battery';

async function withUser(app: TestApp, email: string): Promise<void> {
  await app.services.store.createUser({ email, name: email, passwordHash: await hashPassword(PASSWORD) });
}

async function login(app: TestApp, email: string) {
  const res = await fetch(`${app.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  assert.equal(res.status, 200);
  return res.headers.get('set-cookie')!;
}

function assertSecurityHeaders(res: Response, what: string, https: boolean) {
  const h = res.headers;
  assert.equal(h.get('x-content-type-options'), 'nosniff', what);
  assert.equal(h.get('x-frame-options'), 'DENY', what);
  assert.equal(h.get('referrer-policy'), 'no-referrer', what);
  const csp = h.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"]) {
    assert.ok(csp.split('; ').includes(directive), `${what}: CSP has ${directive} (${csp})`);
  }
  assert.doesNotMatch(csp, /script-src[^;]*unsafe/, `${what}: no unsafe scripts`);
  assert.match(h.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, what);
  if (https) assert.match(h.get('strict-transport-security') ?? '', /^max-age=\d{7,}/, what);
  else assert.equal(h.get('strict-transport-security'), null, `${what}: no HSTS over http`);
}

describe('over http (the default public URL)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await withUser(app, 'plain@shop.local');
  });
  after(() => app.close());

  test('headers on API, hooks, the UI, health, 404s and bad URLs', async () => {
    const flow = await app.api('/api/v1/flows', { body: { name: 'h', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [] } });
    assert.equal(flow.status, 201);
    const hook = (flow.json.webhookUrl as string).replace(app.services.config.publicUrl, app.url);
    const cases: Array<[string, RequestInit | undefined, number]> = [
      ['/api/v1/auth/me', undefined, 401],
      ['/api/v1/openapi.json', undefined, 200],
      ['/api/v1/flows', { headers: { authorization: `Bearer ${app.token}` } }, 200],
      ['/api/v1/no-such-route', undefined, 404],
      [hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }, 200],
      ['/hooks/unknown-token-0000000000', { method: 'POST', body: '{}' }, 404],
      ['/', undefined, 200],
      ['/flows/abc', undefined, 200],
      ['/assets/missing.js', undefined, 404],
      ['/healthz', undefined, 200],
      ['/readyz', undefined, 200],
      ['/metrics', undefined, 200],
      ['/%E0%A4%A', undefined, 400],
    ];
    for (const [path, init, status] of cases) {
      const res = await fetch(path.startsWith('http') ? path : app.url + path, init);
      assert.equal(res.status, status, path);
      assertSecurityHeaders(res, path, false);
      await res.arrayBuffer();
    }
  });

  test('the session cookie: HttpOnly, SameSite=Lax, Path=/, not Secure over http', async () => {
    const cookie = await login(app, 'plain@shop.local');
    assert.match(cookie, /^svyazka_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
  });

  test('/metrics is open when no token is set', async () => {
    const res = await fetch(`${app.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /svyazka_webhooks_accepted_total/);
  });
});

describe('behind https, with a metrics token', () => {
  let app: TestApp;
  const metricsToken = 'metrics-token-0123456789abcdef';
  before(async () => {
    app = await startTestApp({ config: { publicUrl: 'https://svyazka.shop.example', metricsToken } });
    await withUser(app, 'tls@shop.local');
  });
  after(() => app.close());

  test('HSTS on every answer, a Secure session cookie, and a Secure cookie to sign out', async () => {
    for (const path of ['/', '/healthz', '/api/v1/auth/me', '/hooks/unknown-token-0000000000']) {
      const res = await fetch(app.url + path);
      assertSecurityHeaders(res, path, true);
      await res.arrayBuffer();
    }
    const cookie = await login(app, 'tls@shop.local');
    assert.match(cookie, /^svyazka_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    const out = await fetch(`${app.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: cookie.split(';')[0] } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie')!, /Max-Age=0; Secure$/);
  });

  test('/metrics needs the token (constant-time compared)', async () => {
    const get = (authorization?: string) => fetch(`${app.url}/metrics`, { headers: authorization ? { authorization } : {} });
    for (const wrong of [undefined, 'Bearer nope', `Bearer ${metricsToken}x`, `Bearer ${metricsToken.slice(0, -1)}`, metricsToken, `Bearer ${app.token}`]) {
      const res = await get(wrong);
      assert.equal(res.status, 401, String(wrong));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.equal(((await res.json()) as { error: string }).error, 'unauthorized');
    }
    const ok = await get(`Bearer ${metricsToken}`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /svyazka_executions_total/);
  });
});
