// Password guessing at POST /auth/login: per-account and per-address backoff (429 + Retry-After)
// on an injected clock, a success resets the account, and an unknown email is answered exactly
// like a wrong password after the same scrypt work.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashPassword, passwordWorkDone } from '../../src/api/auth.ts';
import { addressKey, MemoryAttemptStore, SignInThrottle } from '../../src/api/sign-in-throttle.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
let now = Date.UTC(2026, 0, 1);
const EMAIL = 'ira@shop.local';
const PASSWORD = 'correct horse battery';

before(async () => {
  // Trusting X-Forwarded-For lets each test speak from its own client address.
  app = await startTestApp({ config: { trustProxy: true }, signInThrottle: new SignInThrottle({ now: () => now }) });
  await app.services.store.createUser({ email: EMAIL, name: 'Ira', passwordHash: await hashPassword(PASSWORD) });
});
after(() => app.close());

async function login(email: string, password: string, ip: string) {
  const res = await fetch(`${app.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as Record<string, unknown> };
}

test('an account gets 5 free failures, then waits 1 s, 2 s …; the right password is refused while it waits; a success starts afresh', async () => {
  // Each guess from another address: the account's own count is what stops them.
  for (let i = 0; i < 5; i++) assert.equal((await login(i % 2 ? EMAIL.toUpperCase() : ` ${EMAIL}`, 'wrong password', `198.51.100.${i}`)).status, 401, `failure ${i + 1}`);
  const blocked = await login(EMAIL, 'wrong password', '198.51.100.50');
  assert.equal(blocked.status, 429);
  assert.equal(blocked.retryAfter, '1');
  assert.equal(blocked.json.error, 'too_many_requests');
  assert.equal(blocked.json.retryAfter, 1);
  assert.match(String(blocked.json.message), /Слишком много попыток входа.*1 с \/ Too many sign-in attempts.*1 s/);
  assert.equal((await login(EMAIL, PASSWORD, '198.51.100.51')).status, 429, 'even the right password waits');

  now += 1000;
  assert.equal((await login(EMAIL, 'wrong again', '198.51.100.52')).status, 401, 'after the wait, one more try');
  const longer = await login(EMAIL, PASSWORD, '198.51.100.53');
  assert.equal(longer.status, 429);
  assert.equal(longer.retryAfter, '2', 'the wait doubles');

  now += 2000;
  const ok = await login(EMAIL, PASSWORD, '198.51.100.54');
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  // Reset: five free failures again.
  for (let i = 0; i < 5; i++) assert.equal((await login(EMAIL, 'wrong password', '198.51.100.60')).status, 401, `after reset ${i + 1}`);
  assert.equal((await login(EMAIL, 'wrong password', '198.51.100.61')).retryAfter, '1');
  now += 60 * 60_000; // out of this test's way
});

test('an address gets 30 free failures over any emails, then waits; other addresses do not', async () => {
  const ip = '203.0.113.7';
  for (let i = 0; i < 30; i++) assert.equal((await login(`guess${i}@shop.local`, 'password1', ip)).status, 401, `failure ${i + 1}`);
  const blocked = await login('fresh@shop.local', 'password1', ip);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.retryAfter, '1');
  // The real user from the same address waits too; from elsewhere they get in.
  assert.equal((await login(EMAIL, PASSWORD, ip)).status, 429);
  assert.equal((await login(EMAIL, PASSWORD, '203.0.113.8')).status, 200);
  now += 1000;
  assert.equal((await login(EMAIL, PASSWORD, ip)).status, 200, 'after the wait');
  now += 60 * 60_000;
});

test('unknown email and wrong password: same status, same body, same scrypt work', async () => {
  const before = passwordWorkDone();
  const unknown = await login('nobody@shop.local', 'wrong password', '192.0.2.1');
  const unknownWork = passwordWorkDone() - before;
  const known = await login(EMAIL, 'wrong password', '192.0.2.2');
  const knownWork = passwordWorkDone() - before - unknownWork;
  assert.equal(unknown.status, 401);
  assert.deepEqual({ status: unknown.status, json: unknown.json }, { status: known.status, json: known.json });
  assert.ok(knownWork > 0, 'a wrong password runs scrypt');
  assert.equal(unknownWork, knownWork, 'an unknown email runs the same scrypt');
});

test('the in-memory store keeps a bounded number of records, least recently used out first', async () => {
  const store = new MemoryAttemptStore({ maxKeys: 3 });
  for (const key of ['a', 'b', 'c']) await store.set(key, { failures: 1, blockedUntil: 0 }, 10_000);
  await store.get('a', 0); // a is now the most recent
  await store.set('d', { failures: 1, blockedUntil: 0 }, 10_000);
  assert.equal(store.size, 3);
  assert.equal(await store.get('b', 0), undefined, 'b was the least recently used');
  assert.ok(await store.get('a', 0));
  assert.equal(await store.get('a', 10_000), undefined, 'expired');
});

test('addresses: IPv4-mapped IPv6 is the IPv4 address; IPv6 counts by its /64', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
});
