// Triggers at the connector level against the sandbox: the webhook `prepare` (form-shaped and JSON
// bodies, refetch on/off, a body without an id) and history polling (created vs changed, loop guard,
// cursor continuity).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError } from '../../../src/connector-kit/errors.ts';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { webhookSetupInstructions } from '../../../src/connectors/retailcrm/triggers/webhook.ts';
import { actionCtx, triggerCtx } from './support.ts';

let sb: RetailcrmSandbox;
before(async () => {
  sb = await startRetailcrmSandbox({ seed: 5, records: 6 });
});
after(() => sb.close());

const trigger = (id: string, delivery = 'webhook') => retailcrmConnector.triggers.find((t) => t.id === id && t.delivery === delivery)!;

test('prepare: order[id] (as intake nests a form body) → the full order; extra webhook fields stay', async () => {
  const order = sb.state.orders[1];
  const ev = await trigger('order.changed').prepare!(triggerCtx(sb.credentials), { order: { id: String(order.id), status: 'x-from-webhook' }, manager: 'Анна' });
  assert.equal(ev.payload.id, order.id);
  assert.equal(ev.payload.status, order.status, 'the API value wins over the webhook copy');
  assert.equal((ev.payload.customer as any).phones[0].number, order.customer.phones[0].number);
  assert.equal(ev.payload.manager, 'Анна');
});

test('prepare: JSON body {id}, and refetch off keeps the body as sent', async () => {
  const order = sb.state.orders[2];
  const ev = await trigger('order.created').prepare!(triggerCtx(sb.credentials), { id: order.id });
  assert.equal(ev.payload.number, order.number);
  const before_ = sb.requestCount();
  const raw = await trigger('order.created').prepare!(triggerCtx(sb.credentials, { refetch: false }), { order: { id: '7', number: '7A' } });
  assert.deepEqual(raw.payload, { id: '7', number: '7A' });
  assert.equal(sb.requestCount(), before_, 'no request without refetch');
});

test('prepare: a body without an order id explains the trigger parameter to add', async () => {
  await assert.rejects(trigger('order.changed').prepare!(triggerCtx(sb.credentials), { foo: 'bar' }), (e: Error) => e instanceof PermanentError && /order\[id\].*\{\{ order\.id \}\}/.test(e.message));
  await assert.rejects(trigger('order.changed').prepare!(triggerCtx(sb.credentials), { order: { id: '999999' } }), (e: Error) => e instanceof PermanentError && /Not found/.test(e.message));
});

test('set-up instructions name the menu, method, URL and parameter', () => {
  const text = webhookSetupInstructions('order.changed', 'https://svyazka.example/hooks/abc');
  assert.match(text, /Автоматизация → Триггеры/);
  assert.match(text, /«Заказ изменён»/);
  assert.match(text, /POST/);
  assert.match(text, /https:\/\/svyazka\.example\/hooks\/abc/);
  assert.match(text, /order\[id\] = \{\{ order\.id \}\}/);
});

test('history polling: created vs changed, one event per order, own API changes skipped, cursor continues', async () => {
  const created = trigger('order.created', 'poll');
  const changed = trigger('order.changed', 'poll');
  const c0 = (await created.poll!(triggerCtx(sb.credentials), undefined)).cursor;
  const k0 = (await changed.poll!(triggerCtx(sb.credentials), undefined)).cursor;
  await new Promise((r) => setTimeout(r, 1100));
  const mine = await retailcrmConnector.actions.find((a) => a.id === 'order.create')!.run(actionCtx(sb.credentials), { firstName: 'Свой' });
  const other = sb.state.orders[0];
  sb.userEdit(other.id, { status: 'assembling' });
  sb.userEdit(other.id, { managerComment: 'дважды' });

  const c1 = await created.poll!(triggerCtx(sb.credentials), c0);
  assert.deepEqual(c1.events, [], 'an order created through this key is not an event (loop guard)');
  const c1b = await created.poll!(triggerCtx(sb.credentials, { skipOwnChanges: false }), c0);
  assert.deepEqual(c1b.events.map((e) => e.payload.id), [mine.id]);

  const k1 = await changed.poll!(triggerCtx(sb.credentials), k0);
  assert.equal(k1.events.length, 1, 'two records of one order → one event');
  assert.equal(k1.events[0].payload.id, other.id);
  assert.deepEqual(k1.events[0].payload.changedFields, ['status', 'managerComment']);
  assert.equal(typeof (k1.cursor as any).sinceId, 'number');

  const k2 = await changed.poll!(triggerCtx(sb.credentials), k1.cursor);
  assert.deepEqual(k2.events, []);
  sb.userEdit(other.id, { status: 'complete' });
  const k3 = await changed.poll!(triggerCtx(sb.credentials), k2.cursor);
  assert.deepEqual(k3.events.map((e) => e.payload.status), ['complete']);
});

test('history polling pages through more than one page of records', async () => {
  const changed = trigger('order.changed', 'poll');
  const start = (await changed.poll!(triggerCtx(sb.credentials), undefined)).cursor;
  await new Promise((r) => setTimeout(r, 1100));
  const ids = sb.state.orders.slice(0, 3).map((o) => o.id);
  for (let i = 0; i < 60; i++) for (const id of ids) sb.userEdit(id, { managerComment: `правка ${i}` });
  const res = await changed.poll!(triggerCtx(sb.credentials), start);
  assert.deepEqual(res.events.map((e) => e.payload.id).sort(), [...ids].sort());
  assert.equal((res.cursor as any).sinceId, sb.state.history.at(-1)!.id);
});
