// The Kaspi triggers and action against the sandbox over real HTTP, on a test clock: windows split
// into ≤ 14-day calls, pages read to the end, the plan's parsing period never exceeded, each order
// once, state changes after a baseline, 429s retried, a wrong token named clearly.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../../../src/connector-kit/errors.ts';
import { testConnection } from '../../../src/connectors/kaspi/index.ts';
import { startKaspiSandbox, type KaspiSandbox } from '../../../src/connectors/kaspi/sandbox.ts';
import { action, actionCtx, trigger, triggerCtx, windows } from './support.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 4, 20, 9, 0, 0);
let clock = NOW;
let sb: KaspiSandbox;

before(async () => {
  sb = await startKaspiSandbox({ seed: 3, records: 0, ratePerSecond: 0, retryAfterSeconds: 0, now: () => clock });
});
after(() => sb.close());
beforeEach(() => {
  sb.state.orders.length = 0;
  sb.requests.length = 0;
  clock = NOW;
});

/** Polls like the scheduler does: the stored cursor in, the new cursor kept. */
function poller(id: string, options: Record<string, unknown>, parsingDays = 60, auth: Record<string, unknown> = sb.credentials) {
  let cursor: unknown;
  const def = trigger(id);
  return async () => {
    const res = await def.poll!(triggerCtx(auth, options, { now: () => clock, parsingDays }), cursor);
    cursor = res.cursor;
    return res.events;
  };
}

test('order.new: a 30-day look-back is read in ≤ 14-day windows, every page to the end, each order once with its entries', async () => {
  const recent = sb.addOrders(230, { ageMs: 2 * DAY });
  const older = sb.addOrders(5, { ageMs: 20 * DAY });
  sb.addOrders(3, { ageMs: 40 * DAY }); // beyond the flow's 30 days
  sb.addOrders(4, { ageMs: DAY, state: 'PICKUP' }); // not a watched state
  const poll = poller('order.new', { lookbackDays: 30 });

  const first = await poll();
  const firstWindows = windows(sb.requests);
  // The first poll's windows: contiguous from 30 days back to now, none longer than 14 days.
  const starts = [...new Set(firstWindows.map((w) => w.ge))].sort((a, b) => a - b);
  assert.equal(starts[0], NOW - 30 * DAY);
  assert.equal(starts.length, 3, '30 days → 14 + 14 + 2');
  for (const w of firstWindows) {
    assert.ok(w.le - w.ge < 14 * DAY, `window ${w.ge}..${w.le} is at most 14 days`);
    assert.equal(w.state, 'NEW');
    assert.equal(w.status, 200);
  }
  assert.equal(Math.max(...firstWindows.map((w) => w.le)), NOW);
  // The window with the 230 orders was read at 100 a page: pages 0, 1, 2.
  const busy = firstWindows.filter((w) => w.ge <= recent[0].creationDate && recent[0].creationDate <= w.le);
  assert.deepEqual(busy.map((w) => w.page), [0, 1, 2]);

  // At most 100 orders (100 entries requests) a poll; the rest come with the next polls.
  assert.equal(first.length, 100);
  const keys = new Set(first.map((e) => e.dedupeKey));
  for (let i = 0; i < 5; i++) {
    const more = await poll();
    if (more.length === 0) break;
    for (const e of more) {
      assert.ok(!keys.has(e.dedupeKey), `${e.dedupeKey} delivered twice`);
      keys.add(e.dedupeKey);
    }
  }
  assert.equal(keys.size, 235);
  assert.deepEqual([...keys].sort(), [...recent, ...older].map((o) => `new:${o.id}`).sort());

  const sample = first.find((e) => e.payload.id === older[0].id)!.payload as any;
  const o = older[0];
  assert.equal(sample.code, o.code);
  assert.equal(sample.creationDate, o.creationDate);
  assert.equal(sample.creationDateIso, new Date(o.creationDate).toISOString());
  assert.equal(sample.totalPrice, o.totalPrice);
  assert.equal(sample.customer.cellPhone, o.customer.cellPhone);
  assert.equal(sample.entries.length, o.entries.length);
  assert.deepEqual(sample.entries[0].offer, o.entries[0].offer);
  assert.equal(sample.entries[0].basePrice, o.entries[0].basePrice);
  assert.equal(sample.entriesCount, o.entries.length);

  // Time passes; only what is new is delivered, and known orders' entries are not fetched again.
  clock += 600_000;
  const added = sb.addOrders(3);
  sb.requests.length = 0;
  const next = await poll();
  assert.deepEqual(next.map((e) => e.payload.id).sort(), added.map((o) => o.id).sort());
  assert.equal(sb.requests.filter((r) => r.path.endsWith('/entries')).length, 3);
  // The moving window re-reads one day before the last poll's end, no more.
  assert.ok(windows(sb.requests).every((w) => w.ge >= NOW - DAY));
});

test('order.new: nothing older than the plan\'s parsing period is requested, whatever the flow asks', async () => {
  sb.addOrders(2, { ageMs: 4 * DAY });
  sb.addOrders(3, { ageMs: 10 * DAY });
  const events = await poller('order.new', { lookbackDays: 30 }, 5)();
  assert.equal(events.length, 2);
  const asked = windows(sb.requests);
  assert.ok(asked.length > 0);
  assert.ok(asked.every((w) => w.ge >= NOW - 5 * DAY), 'the plan allows 5 days');

  sb.requests.length = 0;
  await poller('order.new', { lookbackDays: 3 }, 5)();
  assert.ok(windows(sb.requests).every((w) => w.ge >= NOW - 3 * DAY), 'the flow asks for less: 3 days');
  sb.requests.length = 0;
  await poller('order.new', {}, 5)();
  assert.equal(Math.min(...windows(sb.requests).map((w) => w.ge)), NOW - 5 * DAY, 'unset: the whole parsing period');
});

test('order.new: several states are one request set each; an order moving between them is still one event', async () => {
  const [a] = sb.addOrders(1, { ageMs: DAY, state: 'SIGN_REQUIRED' });
  const [b] = sb.addOrders(1, { ageMs: DAY });
  const poll = poller('order.new', { states: 'NEW, sign_required', lookbackDays: 7 });
  const first = await poll();
  assert.deepEqual(new Set(windows(sb.requests).map((w) => w.state)), new Set(['NEW', 'SIGN_REQUIRED']));
  assert.deepEqual(first.map((e) => e.payload.id).sort(), [a.id, b.id].sort());
  sb.setState(a.id, 'NEW');
  clock += 600_000;
  assert.equal((await poll()).length, 0);
});

test('order.changed: the first poll takes a baseline; then each state/status change runs once', async () => {
  const [a, b] = sb.addOrders(2, { ageMs: 3 * DAY });
  const poll = poller('order.changed', {});
  assert.equal((await poll()).length, 0, 'baseline only');
  assert.deepEqual(new Set(windows(sb.requests).map((w) => w.state)), new Set(['NEW', 'SIGN_REQUIRED', 'PICKUP', 'DELIVERY', 'KASPI_DELIVERY', 'ARCHIVE']));
  sb.setState(a.id, 'PICKUP');
  sb.addOrders(1); // a new order is not a change (includeNew is off)
  clock += 600_000;
  const changed = await poll();
  assert.equal(changed.length, 1);
  const p = changed[0].payload as any;
  assert.equal(p.id, a.id);
  assert.equal(p.state, 'PICKUP');
  assert.equal(p.status, 'ACCEPTED_BY_MERCHANT');
  assert.equal(p.previousState, 'NEW');
  assert.equal(p.previousStatus, 'APPROVED_BY_BANK');
  assert.equal(p.entries.length, a.entries.length);
  assert.equal(changed[0].dedupeKey, `${a.id}@PICKUP/ACCEPTED_BY_MERCHANT`);
  assert.equal((await poll()).length, 0, 'the same change is not reported again');
  sb.setState(b.id, 'ARCHIVE', 'CANCELLED');
  sb.setState(a.id, 'ARCHIVE', 'COMPLETED');
  const later = await poll();
  assert.deepEqual(later.map((e) => e.dedupeKey).sort(), [`${a.id}@ARCHIVE/COMPLETED`, `${b.id}@ARCHIVE/CANCELLED`].sort());

  const withNew = poller('order.changed', { includeNew: 'да' });
  await withNew();
  const [c] = sb.addOrders(1);
  const seenNew = await withNew();
  assert.deepEqual(seenNew.map((e) => [e.payload.id, (e.payload as any).previousState]), [[c.id, null]]);
});

test('429 answers are retried (Retry-After honoured) and the poll succeeds', async () => {
  sb.addOrders(2, { ageMs: DAY });
  sb.failNext(2, 429);
  const events = await poller('order.new', { lookbackDays: 2 })();
  assert.equal(events.length, 2);
  assert.deepEqual(sb.requests.slice(0, 3).map((r) => r.status), [429, 429, 200]);
  sb.failNext(2, 503);
  const res = await action('order.get').run(actionCtx(sb.credentials), { id: sb.state.orders[0].id });
  assert.equal(res.id, sb.state.orders[0].id);
});

test('a wrong token: the connection test and the poll fail saying X-Auth-Token is wrong', async () => {
  const bad = { ...sb.credentials, token: 'not-the-token' };
  await assert.rejects(testConnection(actionCtx(bad)), /Kaspi отклонил токен API \(HTTP 401: Unauthorized: Invalid X-Auth-Token\).*X-Auth-Token/);
  await assert.rejects(poller('order.new', {}, 60, bad)(), /X-Auth-Token/);
  await assert.rejects(poller('order.changed', {}, 60, bad)(), /X-Auth-Token/);
  await testConnection(actionCtx(sb.credentials));
  const req = sb.requests.at(-1)!;
  assert.equal(req.query['page[size]'], '1');
  assert.equal(req.status, 200);
});

test('order.get: by id or by number, with entries; an unknown order is NotFoundError (onNotFound decides)', async () => {
  const [o] = sb.addOrders(1, { ageMs: DAY });
  const byId = await action('order.get').run(actionCtx(sb.credentials), { id: o.id });
  assert.equal(byId.code, o.code);
  assert.equal((byId.entries as unknown[]).length, o.entries.length);
  assert.equal((byId.customer as any).name, o.customer.name);
  const byCode = await action('order.get').run(actionCtx(sb.credentials), { code: o.code });
  assert.equal(byCode.id, o.id);
  await assert.rejects(action('order.get').run(actionCtx(sb.credentials), { id: 'bm9uZQ==' }), NotFoundError);
  await assert.rejects(action('order.get').run(actionCtx(sb.credentials), { code: '1' }), NotFoundError);
});
