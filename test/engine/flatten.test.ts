import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flattenSample } from '../../src/engine/flatten.ts';

test('flattens to dotted ids with numeric indices, leaves only, document order', () => {
  const fields = flattenSample({ order: { id: 5, customer: { phones: [{ number: '+7 900' }, { number: '8 495' }] }, tags: [], meta: {} }, ok: true });
  assert.deepEqual(fields, [
    { id: 'order.id', sample: 5 },
    { id: 'order.customer.phones.0.number', sample: '+7 900' },
    { id: 'order.customer.phones.1.number', sample: '8 495' },
    { id: 'order.tags', sample: [] },
    { id: 'order.meta', sample: {} },
    { id: 'ok', sample: true },
  ]);
});

test('bounded by maxFields and maxDepth', () => {
  assert.equal(flattenSample({ a: Array.from({ length: 5000 }, (_, i) => i) }).length, 2000);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 50; i++) deep = { d: deep };
  const [only] = flattenSample(deep, { maxDepth: 5 });
  assert.equal(only.id, 'd.d.d.d.d');
});
