// The triggers against the sandbox over real HTTP, on a frozen clock shared by both: the look-back
// walk (windows, paging, the parsing period, the page budget), /orders/new merged in, prices,
// status changes after a baseline, 429 then success, and a bad token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNewOrders } from '../../../src/connectors/wildberries/triggers/order-new.ts';
import { DAY_MS, NOW, sandboxAt, trigger, triggerCtx, type Clock } from './support.ts';
import type { PollContext } from '../../../src/connector-kit/polling.ts';

const periodCalls = (sb: { requests: Array<{ path: string; query: Record<string, string> }> }) => sb.requests.filter((r) => r.path === '/api/v3/orders');

test('first poll looks back 45 days in two ≤30-day calls, pages each to the end and delivers each order once with roubles and a letter currency', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 150, days: 50, seed: 11 });
  try {
    const ctx = triggerCtx(sb.credentials, clock, { parsingDays: 45, options: { pageSize: 10 } });
    const polled = await trigger('order.new').poll!(ctx, undefined);
    const floor = NOW - 45 * DAY_MS;
    const expected = sb.state.orders.filter((r) => Date.parse(r.order.createdAt) >= floor).map((r) => r.order.id);
    assert.ok(expected.length > 60 && expected.length < 150, `${expected.length} orders in 45 of 50 days`);
    const ids = polled.events.map((e) => e.payload.id as number);
    assert.deepEqual([...ids].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
    assert.equal(new Set(polled.events.map((e) => e.dedupeKey)).size, ids.length);
    assert.equal(polled.events[0].dedupeKey, `new:${ids[0]}`);

    const calls = periodCalls(sb);
    const windows = [...new Set(calls.map((c) => `${c.query.dateFrom}-${c.query.dateTo}`))];
    assert.equal(windows.length, 2, 'two windows');
    for (const c of calls) {
      assert.ok(Number(c.query.dateTo) - Number(c.query.dateFrom) <= 30 * 86_400, 'each call ≤ 30 days');
      assert.ok(Number(c.query.dateFrom) >= Math.floor(floor / 1000), 'nothing older than the parsing period is asked for');
      assert.equal(c.query.limit, '10');
    }
    assert.equal(Number(calls[0].query.dateFrom), Math.floor(floor / 1000));
    assert.equal(Number(calls[calls.length - 1].query.dateTo), Math.floor(NOW / 1000));
    // Paged to the end: every page but the last of each window was full.
    assert.ok(calls.length >= Math.ceil(expected.length / 10));
    assert.ok(calls.every((c) => sb.requests.find((r) => r === c)!.status === 200));

    const one = polled.events.find((e) => e.payload.currencyCode === 643)!.payload;
    assert.equal(one.priceRub, (one.price as number) / 100);
    assert.equal(one.convertedPriceRub, (one.convertedPrice as number) / 100);
    assert.equal(one.currency, 'RUB');
    const kzt = polled.events.find((e) => e.payload.currencyCode === 398);
    if (kzt) assert.equal(kzt.payload.currency, 'KZT');
  } finally {
    await sb.close();
  }
});

test('the parsing period caps everything: a plan of 14 days never asks for older orders, even with lookbackDays 60; /orders/new older than it is dropped', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 60, days: 40, seed: 5 });
  try {
    // An old order still "new" in WB: /orders/new has no date filter.
    const [old] = sb.addOrders(1, { at: NOW - 20 * DAY_MS });
    const ctx = triggerCtx(sb.credentials, clock, { parsingDays: 14, options: { lookbackDays: 60 } });
    const polled = await trigger('order.new').poll!(ctx, undefined);
    const floorS = Math.floor((NOW - 14 * DAY_MS) / 1000);
    const calls = periodCalls(sb);
    assert.equal(calls.length, 1);
    assert.equal(Number(calls[0].query.dateFrom), floorS);
    assert.ok(polled.events.every((e) => Date.parse(e.payload.createdAt as string) / 1000 >= floorS));
    assert.ok(!polled.events.some((e) => e.payload.id === old.id), 'the 20-day-old task is outside the plan');
  } finally {
    await sb.close();
  }
});

test('later polls read only since the last one (with an overlap) plus /orders/new; an order added appears once', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 30, days: 20, seed: 2 });
  try {
    const ctx = triggerCtx(sb.credentials, clock, { parsingDays: 30 });
    const t = trigger('order.new');
    const first = await t.poll!(ctx, undefined);
    clock.now += 10 * 60_000;
    const [added] = sb.addOrders(1);
    sb.resetLog();
    const second = await t.poll!(ctx, first.cursor);
    assert.deepEqual(
      sb.requests.map((r) => r.path),
      ['/api/v3/orders', '/api/v3/orders/new'],
    );
    const q = sb.requests[0].query;
    assert.equal(Number(q.dateFrom), Math.floor(NOW / 1000) - 600, 'from the last poll minus the overlap');
    assert.ok(second.events.some((e) => e.payload.id === added.id));
    // Events of the overlap repeat keys already taken: the store starts nothing for them.
    const firstKeys = new Set(first.events.map((e) => e.dedupeKey));
    assert.deepEqual(
      second.events.filter((e) => !firstKeys.has(e.dedupeKey)).map((e) => e.payload.id),
      [added.id],
    );
  } finally {
    await sb.close();
  }
});

test('the page budget: a walk cut short resumes where it stopped (same window, same next) and still reaches every order', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 80, days: 25, seed: 9 });
  try {
    const ctx = triggerCtx(sb.credentials, clock, { parsingDays: 30, options: { pageSize: 10 } }) as unknown as PollContext<{ pageSize: number; lookbackDays?: number }>;
    ctx.options = { pageSize: 10 };
    const floorS = Math.floor((NOW - 30 * DAY_MS) / 1000);
    const seen = new Set<number>();
    let cursor: Parameters<typeof readNewOrders>[1] = { from: floorS };
    let polls = 0;
    for (; polls < 10; polls++) {
      sb.resetLog();
      const r = await readNewOrders(ctx, cursor, new Date(clock.now), { maxPages: 3 });
      for (const o of r.items) seen.add(o.id as number);
      assert.ok(periodCalls(sb).length <= 3, 'at most the budget per poll');
      cursor = r.cursor;
      if (!cursor.resume) break;
      assert.equal(Number(periodCalls(sb).at(-1)!.query.next) > 0, true);
    }
    assert.ok(polls >= 2, 'needed more than one poll');
    assert.deepEqual([...seen].sort(), sb.state.orders.map((o) => o.order.id).sort());
  } finally {
    await sb.close();
  }
});

test('429 then success: WB limiting two requests in a row does not fail the poll', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 10, days: 5, seed: 4 });
  try {
    sb.failNext(2);
    const polled = await trigger('order.new').poll!(triggerCtx(sb.credentials, clock, { parsingDays: 30 }), undefined);
    assert.equal(polled.events.length, 10);
    assert.equal(sb.rateLimited(), 2);
    // A 30-day plan is walked as 29 + 1 days (see CHUNK_DAYS), then /orders/new.
    assert.deepEqual(
      sb.requests.map((r) => `${r.status} ${r.path}`),
      ['429 /api/v3/orders', '429 /api/v3/orders', '200 /api/v3/orders', '200 /api/v3/orders', '200 /api/v3/orders/new'],
    );
  } finally {
    await sb.close();
  }
});

test('a bad token fails the poll with a clear message; a pasted "Bearer " prefix is stripped', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 3, days: 2 });
  try {
    await assert.rejects(trigger('order.new').poll!(triggerCtx({ ...sb.credentials, token: 'expired' }, clock), undefined), (error: Error) => {
      assert.match(error.message, /Wildberries отклонил токен API \(HTTP 401\).*категории «Маркетплейс»/);
      assert.match(error.message, /requestId [0-9a-f]{32}/);
      assert.ok(!error.message.includes(sb.token));
      return true;
    });
    const ok = await trigger('order.new').poll!(triggerCtx({ ...sb.credentials, token: `Bearer ${sb.token} ` }, clock), undefined);
    assert.equal(ok.events.length, 3);
  } finally {
    await sb.close();
  }
});

test('order.changed: the first poll takes a baseline and delivers nothing; then each status change once, new tasks from new/waiting', async () => {
  const clock: Clock = { now: NOW };
  const sb = await sandboxAt(clock, { records: 40, days: 20, seed: 6 });
  try {
    const t = trigger('order.changed');
    const ctx = triggerCtx(sb.credentials, clock, { parsingDays: 30 });
    const first = await t.poll!(ctx, undefined);
    assert.equal(first.events.length, 0, 'baseline');
    const statusCalls = sb.requests.filter((r) => r.path === '/api/v3/orders/status');
    assert.equal(statusCalls.length, 1);

    const open = sb.state.orders.find((r) => r.supplierStatus === 'confirm')!;
    sb.setStatus(open.order.id, 'complete', 'sorted');
    clock.now += 10 * 60_000;
    const [born] = sb.addOrders(1);
    sb.setStatus(born.id, 'confirm');
    const second = await t.poll!(ctx, first.cursor);
    const got = second.events.map((e) => [e.payload.id, e.payload.previousSupplierStatus, e.payload.supplierStatus, e.payload.wbStatus, e.dedupeKey]);
    assert.deepEqual(
      got.sort(),
      [
        [open.order.id, 'confirm', 'complete', 'sorted', `${open.order.id}@complete/sorted`],
        [born.id, 'new', 'confirm', 'waiting', `${born.id}@confirm/waiting`],
      ].sort(),
    );
    assert.equal(second.events.find((e) => e.payload.id === born.id)!.payload.article, born.article);
    const third = await t.poll!(ctx, second.cursor);
    assert.equal(third.events.length, 0, 'nothing twice');
    // A sold task is final: no longer asked about once it cannot be listed again.
    sb.setStatus(open.order.id, 'complete', 'sold');
    const fourth = await t.poll!(ctx, third.cursor);
    assert.deepEqual(fourth.events.map((e) => e.dedupeKey), [`${open.order.id}@complete/sold`]);
    sb.resetLog();
    await t.poll!(ctx, fourth.cursor);
    const asked = sb.requests.filter((r) => r.path === '/api/v3/orders/status').length;
    assert.equal(asked, 1);
  } finally {
    await sb.close();
  }
});
