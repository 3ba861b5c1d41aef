// order.new: each new deal and each change (updatedDate) emitted exactly once, across a restart
// (the cursor goes through JSON between polls, as the engine stores it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';
import { action, actionCtx, triggerCtx } from './support.ts';
import { parseFields } from '../../../src/connector-kit/fields.ts';

let sb: CalltouchSandbox;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 9, records: 30 });
});
after(() => sb.close());

const trigger = calltouchConnector.triggers.find((t) => t.id === 'order.new')!;
const persist = (c: unknown) => JSON.parse(JSON.stringify(c));

test('baseline, new deals once, changed deals once, across a restart', async () => {
  const ctx = actionCtx(sb.credentials, { limitKey: 'trig' });
  await action('order.create').run(ctx, { orderNumber: 'OLD-1', phones: '79000000001', status: 'new' });
  // First poll: a baseline, nothing replayed.
  const first = await trigger.poll!(triggerCtx(sb.credentials, {}, 'trig'), undefined);
  assert.deepEqual(first.events, []);
  let cursor = persist(first.cursor);

  await action('order.create').run(ctx, { orderNumber: 'N-1', phones: '79000000002', status: 'new', revenue: 100 });
  await action('order.create').run(ctx, { orderNumber: 'N-2', matchingType: 'request', requestId: '42', status: 'new' });
  const second = await trigger.poll!(triggerCtx(sb.credentials, {}, 'trig'), cursor);
  assert.deepEqual(second.events.map((e) => [e.payload.event, e.payload.orderNumber]).sort(), [['new', 'N-1'], ['new', 'N-2']]);
  assert.equal(new Set(second.events.map((e) => e.dedupeKey)).size, 2);
  cursor = persist(second.cursor);

  // "Restart": a fresh context, the cursor from storage. Nothing new → nothing emitted.
  const third = await trigger.poll!(triggerCtx(sb.credentials, {}, 'trig'), persist(cursor));
  assert.deepEqual(third.events, []);
  cursor = persist(third.cursor);

  // A change (new updatedDate) is emitted once; an unchanged deal is not.
  await new Promise((r) => setTimeout(r, 1100)); // updatedDate has one-second resolution
  await action('order.update').run(ctx, { orderNumber: 'N-1', status: 'complete', revenue: 150 });
  await action('order.update').run(ctx, { orderNumber: 'OLD-1', status: 'cancel' });
  const fourth = await trigger.poll!(triggerCtx(sb.credentials, {}, 'trig'), cursor);
  assert.deepEqual(fourth.events.map((e) => [e.payload.event, e.payload.orderNumber, e.payload.orderStatus]).sort(), [['changed', 'N-1', 'complete'], ['changed', 'OLD-1', 'cancel']]);
  cursor = persist(fourth.cursor);
  const fifth = await trigger.poll!(triggerCtx(sb.credentials, {}, 'trig'), cursor);
  assert.deepEqual(fifth.events, []);

  // emitChanged: false → only new deals.
  await new Promise((r) => setTimeout(r, 1100));
  await action('order.update').run(ctx, { orderNumber: 'N-2', status: 'complete' });
  await action('order.create').run(ctx, { orderNumber: 'N-3', phones: '79000000003' });
  const sixth = await trigger.poll!(triggerCtx(sb.credentials, { emitChanged: false }, 'trig'), persist(fifth.cursor));
  assert.deepEqual(sixth.events.map((e) => e.payload.orderNumber), ['N-3']);
});

test('options: interval and checks', () => {
  assert.equal(trigger.nextRunDelayMs!({ intervalSeconds: 60 }, new Date()), 60_000);
  assert.equal(trigger.nextRunDelayMs!({}, new Date()), 300_000);
  const check = (options: Record<string, unknown>) => {
    const parsed = parseFields(trigger.options ?? [], options);
    return parsed.ok ? null : parsed.issues.map((i) => i.message).join('; ');
  };
  assert.match(check({ intervalSeconds: 5 })!, /«Интервал опроса, сек» \(intervalSeconds\): не меньше 10/);
  assert.match(check({ lookbackDays: 400 })!, /\(lookbackDays\): не больше 90/);
  assert.match(check({ comments: 'some' })!, /\(comments\): допустимо: all, with, without/);
  assert.equal(check({ intervalSeconds: '60', lookbackDays: '7' }), null);
});
