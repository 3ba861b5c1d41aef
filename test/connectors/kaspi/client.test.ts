// The Kaspi client's pieces: a window walk cut by its page budget goes on where it stopped, and
// the shapes Kaspi may answer in (customer or product as included resources, prices as text, no
// meta.pageCount) all flatten to the same order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KaspiClient, flattenEntry, flattenOrder, splitWindow } from '../../../src/connectors/kaspi/client.ts';
import { startKaspiSandbox, type KaspiSandbox } from '../../../src/connectors/kaspi/sandbox.ts';
import { walkOrders, type Resume } from '../../../src/connectors/kaspi/triggers/listing.ts';
import { actionCtx, windows } from './support.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 1);
let sb: KaspiSandbox;

before(async () => {
  sb = await startKaspiSandbox({ seed: 9, records: 0, ratePerSecond: 0, now: () => NOW });
});
after(() => sb.close());

test('splitWindow: consecutive inclusive windows of at most 14 days', () => {
  const parts = splitWindow(NOW - 30 * DAY, NOW);
  assert.equal(parts.length, 3);
  assert.equal(parts[0].from, NOW - 30 * DAY);
  assert.equal(parts.at(-1)!.to, NOW);
  for (let i = 1; i < parts.length; i++) assert.equal(parts[i].from, parts[i - 1].to + 1);
  assert.ok(parts.every((p) => p.to - p.from < 14 * DAY));
  assert.deepEqual(splitWindow(5, 5), [{ from: 5, to: 5 }]);
});

test('a walk cut by its page budget resumes where it stopped and reads everything once', async () => {
  const news = [...kaspiAdd(12, 3), ...kaspiAdd(9, 20)];
  const pickups = sb.addOrders(7, { ageMs: 5 * DAY, state: 'PICKUP' });
  const client = new KaspiClient(actionCtx(sb.credentials));
  const seen = new Map<string, number>();
  let resume: Resume | undefined;
  let walks = 0;
  do {
    const walked = await walkOrders(client, { from: NOW - 30 * DAY, to: NOW, states: ['NEW', 'PICKUP'], resume, maxPages: 3, pageSize: 4 });
    assert.ok(walked.pages <= 3);
    for (const o of walked.orders) seen.set(o.id, (seen.get(o.id) ?? 0) + 1);
    resume = walked.resume;
    walks++;
  } while (resume && walks < 20);
  assert.equal(resume, undefined, 'the walk finished');
  assert.deepEqual([...seen.keys()].sort(), [...news, ...pickups].map((o) => o.id).sort());
  assert.ok([...seen.values()].every((n) => n === 1), 'no page read twice');
  assert.ok(windows(sb.requests).every((w) => w.le - w.ge < 14 * DAY));
});

function kaspiAdd(n: number, days: number) {
  return sb.addOrders(n, { ageMs: days * DAY });
}

test('flattenOrder / flattenEntry: included resources, prices as text, a missing address', () => {
  const order = flattenOrder(
    {
      type: 'orders',
      id: 'MTU=',
      attributes: { code: 15, totalPrice: '12990.0', creationDate: '1767225600000', state: 'NEW', status: 'APPROVED_BY_BANK', deliveryMode: 'DELIVERY_PICKUP' },
      relationships: { user: { data: { type: 'customers', id: 'c1' } } },
    },
    [{ type: 'customers', id: 'c1', attributes: { firstName: 'Асель', lastName: 'Омарова', cellPhone: 7011234567 } }],
  );
  assert.equal(order.code, '15');
  assert.equal(order.totalPrice, 12990);
  assert.equal(order.creationDate, 1767225600000);
  assert.equal(order.creationDateIso, '2026-01-01T00:00:00.000Z');
  assert.deepEqual(order.customer, { id: 'c1', firstName: 'Асель', lastName: 'Омарова', cellPhone: '7011234567', name: 'Асель Омарова' });
  assert.equal(order.deliveryAddress, undefined);

  const entry = flattenEntry(
    { type: 'orderentries', id: 'e1', attributes: { quantity: '2', basePrice: 500, totalPrice: 1000 }, relationships: { product: { data: { type: 'masterproducts', id: 'p1' } } } },
    [{ type: 'masterproducts', id: 'p1', attributes: { code: 'SKU-1', name: 'Чайник' } }],
  );
  assert.deepEqual(entry, { id: 'e1', quantity: 2, basePrice: 500, totalPrice: 1000, offer: { code: 'SKU-1', name: 'Чайник' } });
});

test('a page without meta.pageCount: paging stops at a short page', async () => {
  const pages: number[] = [];
  const fake = {
    async listOrders(q: { page: number; size: number }) {
      pages.push(q.page);
      const count = q.page < 2 ? q.size : 1;
      return { orders: Array.from({ length: count }, (_, i) => ({ id: `${q.page}-${i}`, creationDate: 1, state: 'NEW', status: '' })), pageCount: undefined, totalCount: undefined };
    },
  } as unknown as KaspiClient;
  const walked = await walkOrders(fake, { from: 0, to: 10, states: ['NEW'], pageSize: 3 });
  assert.deepEqual(pages, [0, 1, 2]);
  assert.equal(walked.orders.length, 7);
});
