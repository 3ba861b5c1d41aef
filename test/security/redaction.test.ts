// Senders' secrets in webhook history: secret-looking header and query parameter names have their
// values replaced before the webhook is stored, so neither the history API, the execution's
// trigger data nor the SQLite file holds them; benign headers and parameters are kept.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { buildRedactPattern, DEFAULT_REDACT_PATTERN } from '../../src/intake/redaction.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { storedBytes } from '../support/database.ts';

const SECRETS = {
  apiKey: 'q-apikey-51f0c3a9e2',
  nested: 'q-nested-token-88ab31',
  auth: 'h-webhook-auth-7c21d0',
  sig: 'sha256=h-hubsig-0e99aa17cd',
  bearer: 'Bearer h-bearer-3b6f1d2e',
  cookie: 'sid=h-cookie-a91c77e0',
  extra: 'h-shop-id-55aa0912',
};

let app: TestApp;

function databaseBytes(): Promise<Buffer> {
  return storedBytes(app.dataDir);
}

before(async () => {
  app = await startTestApp({ config: { redactPattern: buildRedactPattern('X-Shop-Id') } });
});
after(async () => {
  await app?.close();
});

describe('the secret-name pattern', () => {
  test('matches secret-looking names, not ordinary ones', () => {
    for (const name of ['Authorization', 'Cookie', 'Set-Cookie', 'X-Webhook-Auth', 'X-Hub-Signature', 'x-hub-signature-256', 'signature', 'X-Api-Key', 'apiKey', 'api_key', 'access_token', 'client_secret', 'password', 'passwd', 'PHPSESSID', 'session_id', 'X-Credentials', 'sig']) {
      assert.ok(DEFAULT_REDACT_PATTERN.test(name), `${name} should be redacted`);
    }
    for (const name of ['content-type', 'Content-Type', 'user-agent', 'accept', 'host', 'content-length', 'x-request-id', 'x-forwarded-for', 'page', 'orderId', 'status', 'utm_source']) {
      assert.equal(DEFAULT_REDACT_PATTERN.test(name), false, `${name} should be kept`);
    }
  });

  test('SVYAZKA_REDACT_NAMES adds names or a /regex/, and a bad regex stops the start with a clear error', () => {
    const names = loadConfig({ SVYAZKA_REDACT_NAMES: 'X-Shop-Id, tenant' }).redactPattern;
    assert.ok(names.test('x-shop-id'));
    assert.ok(names.test('TENANT'));
    assert.ok(names.test('authorization'), 'defaults stay');
    assert.equal(names.test('user-agent'), false);
    const regex = loadConfig({ SVYAZKA_REDACT_NAMES: '/^x-(shop|store)-/' }).redactPattern;
    assert.ok(regex.test('X-Store-Id'));
    assert.equal(regex.test('a-x-store-'), false);
    assert.throws(() => loadConfig({ SVYAZKA_REDACT_NAMES: '/([/' }), /SVYAZKA_REDACT_NAMES: not a valid regular expression/);
    assert.throws(() => loadConfig({ SVYAZKA_REDACT_NAMES: 'bad name' }), /SVYAZKA_REDACT_NAMES/);
  });
});

describe('webhook history', () => {
  test('secret headers and query parameters are redacted in history, trigger data and the database file', async () => {
    const flow = await app.api('/api/v1/flows', {
      body: { name: 'hook', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'v', type: 'set', values: { key: '{{trigger.apiKey}}', page: '{{trigger.page}}', order: '{{trigger.order}}' } }] },
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const url = `${flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url)}?apiKey=${SECRETS.apiKey}&page=2&filter[token]=${SECRETS.nested}&filter[kind]=new`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'RetailCRM-Webhook/1.0',
        'x-request-id': 'req-42',
        'x-webhook-auth': SECRETS.auth,
        'x-hub-signature-256': SECRETS.sig,
        authorization: SECRETS.bearer,
        cookie: SECRETS.cookie,
        'x-shop-id': SECRETS.extra,
      },
      body: JSON.stringify({ order: 'A-17' }),
    });
    assert.equal(res.status, 200);
    const { id } = (await res.json()) as { id: string };

    const one = await app.api(`/api/v1/webhooks/${id}`);
    assert.equal(one.status, 200);
    const { headers, query } = one.json;
    for (const name of ['x-webhook-auth', 'x-hub-signature-256', 'authorization', 'cookie', 'x-shop-id']) assert.equal(headers[name], '[redacted]', name);
    assert.equal(headers['user-agent'], 'RetailCRM-Webhook/1.0');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['x-request-id'], 'req-42');
    assert.deepEqual(query, { apiKey: '[redacted]', page: '2', filter: { token: '[redacted]', kind: 'new' } });

    const ex = await waitFor(async () => {
      const list = await app.api(`/api/v1/executions?webhookId=${id}`);
      const item = list.json.items?.[0];
      if (!item || item.status !== 'succeeded') return undefined;
      return (await app.api(`/api/v1/executions/${item.id}`)).json;
    }, 15_000, 'the execution');
    // The flow sees what history shows: the redacted parameter is not available to templates.
    assert.deepEqual(ex.steps[0].output, { key: '[redacted]', page: '2', order: 'A-17' });

    const answers = [one.json, ex, (await app.api('/api/v1/webhooks')).json, (await app.api('/api/v1/executions')).json].map((j) => JSON.stringify(j)).join('\n');
    const bytes = await databaseBytes();
    for (const [what, secret] of Object.entries(SECRETS)) {
      assert.equal(answers.includes(secret), false, `${what} in an API answer`);
      assert.equal(bytes.includes(secret), false, `${what} in the SQLite file`);
    }
    assert.ok(bytes.includes('RetailCRM-Webhook/1.0'), 'benign headers are stored');
  });
});
