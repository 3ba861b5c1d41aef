// The Ozon connector against its sandbox over real HTTP (the engine's HTTP client and limiter),
// both clocks injected: triggers' paging and windows, the parsing period, retries, refused keys,
// and the actions with Ozon's per-line answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, PermanentError, TransientError } from '../../../src/connector-kit/errors.ts';
import type { ActionDefinition, TriggerContext, TriggerDefinition } from '../../../src/connector-kit/types.ts';
import { ozonConnector } from '../../../src/connectors/ozon/index.ts';
import { startOzonSandbox, type OzonSandbox } from '../../../src/connectors/ozon/sandbox.ts';
import { actionContext, asEngineCalls, triggerContext } from '../../support/connector-ctx.ts';

const DAY = 86_400_000;
let now = Date.parse('2026-06-01T12:00:00Z');
let sb: OzonSandbox;

const trigger = (id: string): TriggerDefinition => ozonConnector.triggers.find((t) => t.id === id)!;
const action = (id: string): ActionDefinition => asEngineCalls(ozonConnector.actions.find((a) => a.id === id)!);

function ctxOf(options: Record<string, unknown> = {}, parsingDays = 60, auth: Record<string, unknown> = sb.credentials): TriggerContext {
  return { ...triggerContext(auth, options, { limitKey: `ozon-test-${Math.random()}`, rate: 10_000 }), parsingDays, now: () => new Date(now) };
}
const act = () => actionContext(sb.credentials, { limitKey: `ozon-act-${Math.random()}`, rate: 10_000 });

/** The list requests the sandbox answered since `from` (an index into its log). */
const listRequests = (from: number, path = '/v3/posting/fbs/list') => sb.requests.slice(from).filter((r) => r.path === path);

before(async () => {
  sb = await startOzonSandbox({ seed: 3, records: 0, fboRecords: 0, now: () => now, rateLimit: 0 });
});
after(() => sb?.close());

test('posting.new: the first poll looks back and pages to the end — 2,500 postings, 3 pages, each once', async () => {
  sb.addPostings(2500, { at: now - 60_000 });
  const mark = sb.requests.length;
  const polled = await trigger('posting.new').poll!(ctxOf(), undefined);
  const pages = listRequests(mark);
  assert.deepEqual(pages.map((r) => [r.body?.offset, r.body?.limit]), [[0, 1000], [1000, 1000], [2000, 1000]]);
  assert.equal(polled.events.length, 2500);
  assert.equal(new Set(polled.events.map((e) => e.dedupeKey)).size, 2500);
  assert.match(polled.events[0].dedupeKey!, /^new:\d+-\d+-1$/);
  // The payload keeps Ozon's price strings and adds numbers beside them.
  const p = polled.events[0].payload as any;
  assert.equal(p.scheme, 'fbs');
  assert.equal(typeof p.products[0].price, 'string');
  assert.equal(p.products[0].price_value, Number(p.products[0].price));
  assert.equal(p.total_price, p.products.reduce((s: number, l: any) => s + Number(l.price) * l.quantity, 0));

  // Next poll: only what is new (plus the overlap, which the store's dedupe drops).
  now += 600_000;
  const fresh = sb.addPostings(3);
  const next = await trigger('posting.new').poll!(ctxOf(), polled.cursor);
  const keys = new Set(next.events.map((e) => e.dedupeKey));
  for (const f of fresh) assert.ok(keys.has(`new:${f.posting_number}`));
  const since = Date.parse(listRequests(mark).at(-1)!.body!.filter.since);
  assert.ok(since >= now - 600_000 - 3_600_000, 'the next window starts at the last one less the overlap, not at the look-back');
});

test('the parsing period: a posting older than the plan allows is never asked for, even with a longer lookbackDays or an old cursor', async () => {
  const old = sb.addPostings(1, { at: now - 6 * DAY })[0];
  const recent = sb.addPostings(1, { at: now - 4 * DAY })[0];
  const mark = sb.requests.length;
  const first = await trigger('posting.new').poll!(ctxOf({ lookbackDays: 30 }, 5), undefined);
  const numbers = first.events.map((e) => (e.payload as any).posting_number);
  assert.ok(numbers.includes(recent.posting_number));
  assert.ok(!numbers.includes(old.posting_number));
  for (const r of listRequests(mark)) assert.ok(Date.parse(r.body!.filter.since) >= now - 5 * DAY, `since ${r.body!.filter.since} is within 5 days`);
  // A cursor from before a plan change (or a long pause) is floored at the plan's period.
  const mark2 = sb.requests.length;
  const stale = await trigger('posting.new').poll!(ctxOf({}, 5), { fbs: { since: new Date(now - 20 * DAY).toISOString() } });
  assert.ok(!stale.events.some((e) => (e.payload as any).posting_number === old.posting_number));
  for (const r of listRequests(mark2)) assert.ok(Date.parse(r.body!.filter.since) >= now - 5 * DAY);
  // lookbackDays shorter than the plan's period wins.
  const mark3 = sb.requests.length;
  await trigger('posting.new').poll!(ctxOf({ lookbackDays: 1 }, 60), undefined);
  assert.equal(Date.parse(listRequests(mark3)[0].body!.filter.since), now - DAY);
});

test('a poll reads at most 10 pages; the next one goes on where it stopped', async () => {
  const big = await startOzonSandbox({ seed: 9, records: 0, fboRecords: 0, now: () => now, rateLimit: 0 });
  try {
    big.addPostings(10_500, { at: now - 60_000 });
    const ctx = { ...ctxOf({}, 60, big.credentials) };
    const first = await trigger('posting.new').poll!(ctx, undefined);
    assert.equal(first.events.length, 10_000);
    assert.equal(big.requests.length, 10);
    const second = await trigger('posting.new').poll!(ctx, first.cursor);
    const all = new Set([...first.events, ...second.events].map((e) => e.dedupeKey));
    assert.equal(all.size, 10_500, 'every posting delivered across the two polls');
  } finally {
    await big.close();
  }
});

test('schemes both: FBO postings too, from the plain-array list paged until a short page', async () => {
  const fbo = sb.addPostings(3, { scheme: 'fbo' });
  const mark = sb.requests.length;
  const polled = await trigger('posting.new').poll!(ctxOf({ schemes: 'both' }), undefined);
  const fboEvents = polled.events.filter((e) => (e.payload as any).scheme === 'fbo');
  assert.deepEqual(fboEvents.map((e) => (e.payload as any).posting_number).sort(), fbo.map((p) => p.posting_number).sort());
  assert.equal(listRequests(mark, '/v2/posting/fbo/list').length, 1);
  assert.ok((polled.cursor as any).fbo?.since);
});

test('429 code 8 then success: the poll retries and finishes', async () => {
  sb.rejectNext(1, 429, 0);
  const mark = sb.requests.length;
  const polled = await trigger('posting.new').poll!(ctxOf({}, 1), undefined);
  const statuses = sb.requests.slice(mark).map((r) => r.status);
  assert.equal(statuses[0], 429);
  assert.ok(statuses.slice(1).every((s) => s === 200));
  assert.ok(polled.events.length > 0);
});

test('a refused key: the poll fails saying which header, the connection test too', async () => {
  const bad = { ...sb.credentials, apiKey: 'wrong-key' };
  await assert.rejects(trigger('posting.new').poll!(ctxOf({}, 5, bad), undefined), (e: Error) => e instanceof PermanentError && /Api-Key/.test(e.message) && /Invalid Api-Key/.test(e.message));
  await assert.rejects(ozonConnector.auth.test!(ctxOf({}, 5, bad)), /заголовок Api-Key/);
  await assert.rejects(ozonConnector.auth.test!(ctxOf({}, 5, { ...sb.credentials, clientId: 'abc' })), /Client ID «abc» должен быть числом/);
  await ozonConnector.auth.test!(ctxOf());
});

test('posting.changed: the first poll is the baseline; then each posting and new status once', async () => {
  const [p] = sb.addPostings(1, { at: now - DAY });
  now += 60_000;
  const ctx = ctxOf();
  const first = await trigger('posting.changed').poll!(ctx, undefined);
  assert.equal(first.events.length, 0);
  now += 60_000;
  sb.setStatus(p.posting_number, 'awaiting_deliver');
  const second = await trigger('posting.changed').poll!(ctx, first.cursor);
  assert.deepEqual(second.events.map((e) => e.dedupeKey), [`${p.posting_number}@awaiting_deliver`]);
  assert.equal((second.events[0].payload as any).status, 'awaiting_deliver');
  now += 60_000;
  sb.setStatus(p.posting_number, 'delivering');
  const third = await trigger('posting.changed').poll!(ctx, second.cursor);
  assert.ok(third.events.some((e) => e.dedupeKey === `${p.posting_number}@delivering`));
  // A status filter delivers only changes to that status.
  const only = await trigger('posting.changed').poll!(ctxOf({ status: 'cancelled' }), second.cursor);
  assert.equal(only.events.length, 0);
});

test('posting.get: the posting with numeric prices; an unknown number is not found', async () => {
  const [p] = sb.addPostings(1);
  const got = await action('posting.get').run(act(), { posting_number: p.posting_number });
  assert.equal(got.posting_number, p.posting_number);
  assert.equal((got.products as any[])[0].price, p.products[0].price);
  assert.equal(typeof got.total_price, 'number');
  await assert.rejects(action('posting.get').run(act(), { posting_number: '1-2-3' }), NotFoundError);
});

test('stocks.set: all lines accepted; a refused line fails the step with Ozon\'s code; too often is retried later', async () => {
  const wh = sb.state.warehouses[1].warehouse_id;
  const [a, b] = sb.state.products;
  const ok = await action('stocks.set').run(act(), { offer_id: a.offer_id, stock: '7', warehouse_id: String(wh) });
  assert.deepEqual([ok.updated, ok.unchanged], [1, 0]);
  assert.equal(sb.stockOf(a.offer_id, wh), 7);
  // The same stock again (a retried step): unchanged, not a failure.
  const again = await action('stocks.set').run(act(), { offer_id: a.offer_id, stock: 7, warehouse_id: wh });
  assert.deepEqual([again.updated, again.unchanged], [0, 1]);
  await assert.rejects(
    action('stocks.set').run(act(), { stocks: JSON.stringify([{ offer_id: b.offer_id, stock: 3 }, { offer_id: 'NOPE-1', stock: 1 }]), warehouse_id: wh }),
    (e: Error) => e instanceof PermanentError && /NOPE-1/.test(e.message) && /NOT_FOUND/.test(e.message) && /1 из 2/.test(e.message),
  );
  assert.equal(sb.stockOf(b.offer_id, wh), 3, 'the good line was applied by Ozon');
  await assert.rejects(action('stocks.set').run(act(), { offer_id: b.offer_id, stock: 4, warehouse_id: wh }), (e: Error) => e instanceof TransientError && /TOO_MANY_REQUESTS/.test(e.message));
  await assert.rejects(action('stocks.set').run(act(), { offer_id: b.offer_id, warehouse_id: wh }), /stock/);
});

test('posting.ship: one package with every product; a retry after it got through succeeds', async () => {
  const [p] = sb.addPostings(1);
  const shipped = await action('posting.ship').run(act(), { posting_number: p.posting_number });
  assert.deepEqual(shipped.result, [p.posting_number]);
  assert.equal(sb.state.fbs.find((x) => x.posting_number === p.posting_number)!.status, 'awaiting_deliver');
  const packages = [{ products: p.products.map((l: any) => ({ product_id: l.sku, quantity: l.quantity })) }];
  const retried = await action('posting.ship').run(act(), { posting_number: p.posting_number, packages: JSON.stringify(packages) });
  assert.equal(retried.status, 'awaiting_deliver');
});
