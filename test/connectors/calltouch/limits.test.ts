// Calltouch's 5 req/s is per account (site id), RetailCRM's per API key: connections to one account
// share one limiter budget. Grants are counted on a limiter whose clock never moves (no timing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { limitKeyOf } from '../../../src/engine/outbound/limit-key.ts';
import { LocalRateLimiter } from '../../../src/engine/outbound/rate-limiter.ts';

const settle = () => new Promise((r) => setImmediate(r));

/** How many of `n` acquires per key are granted at once on a frozen clock. */
async function grants(keys: string[], n: number, rate: number): Promise<number> {
  const limiter = new LocalRateLimiter({ now: () => 1_000_000 });
  const ac = new AbortController();
  let granted = 0;
  const all = keys.flatMap((key) => Array.from({ length: n }, () => limiter.acquire(key, rate, ac.signal).then(() => granted++, () => undefined)));
  await settle();
  const at = granted;
  ac.abort(new Error('done'));
  await Promise.all(all);
  return at;
}

test('two Calltouch connections to one site id share one limiter key and one 5/s budget', async () => {
  const a = { id: 'conn-a', auth: { siteId: '12345', clientApiId: 'token-a' } };
  const b = { id: 'conn-b', auth: { siteId: ' 12345 ', clientApiId: 'token-b' } };
  const other = { id: 'conn-c', auth: { siteId: '777', clientApiId: 'token-a' } };
  const rate = calltouchConnector.limits!.requestsPerSecond;
  assert.equal(rate, 5);
  assert.equal(limitKeyOf(calltouchConnector, a), 'calltouch:12345');
  assert.equal(limitKeyOf(calltouchConnector, b), limitKeyOf(calltouchConnector, a));
  assert.notEqual(limitKeyOf(calltouchConnector, other), limitKeyOf(calltouchConnector, a));
  // 4 requests on each connection at the same instant: 5 start, the rest wait (one account).
  assert.equal(await grants([limitKeyOf(calltouchConnector, a)!, limitKeyOf(calltouchConnector, b)!], 4, rate), 5);
  // Per connection (the old keying) both would have started all 4: 8 grants — what Calltouch rejects.
  assert.equal(await grants([a.id, b.id], 4, rate), 8);
  // Another site is its own account.
  assert.equal(await grants([limitKeyOf(calltouchConnector, a)!, limitKeyOf(calltouchConnector, other)!], 4, rate), 8);
});

test('no connection: no key from the connector (the engine falls back to workspace:connector)', () => {
  assert.equal(limitKeyOf(calltouchConnector, null), undefined);
  assert.equal(limitKeyOf({ limits: { requestsPerSecond: 1 } }, { id: 'c1', auth: {} }), 'c1');
  assert.equal(limitKeyOf({}, { id: 'c1', auth: {} }), 'c1');
  // A key function that cannot key this auth falls back to the connection.
  assert.equal(limitKeyOf(retailcrmConnector, { id: 'c2', auth: { url: 'ftp://x', apiKey: 'k' } }), 'c2');
});

test('RetailCRM: one key per account URL + API key, the key hashed (never the raw key)', () => {
  const secret = 'Zx81secretApiKeyValue';
  const a = limitKeyOf(retailcrmConnector, { id: 'r1', auth: { url: 'https://shop.retailcrm.ru/', apiKey: secret } })!;
  const b = limitKeyOf(retailcrmConnector, { id: 'r2', auth: { url: 'shop.retailcrm.ru', apiKey: ` ${secret} `, site: 'other' } })!;
  const c = limitKeyOf(retailcrmConnector, { id: 'r3', auth: { url: 'https://shop.retailcrm.ru', apiKey: 'another-key' } })!;
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok(a.startsWith('retailcrm:https://shop.retailcrm.ru:'), a);
  assert.ok(!a.includes(secret) && !a.includes(secret.slice(0, 8)), a);
});
