import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flattenSample } from '../../src/engine/flatten.ts';
import { renderTemplate } from '../../src/engine/template.ts';

test('flattens to dotted ids with numeric indices, leaves only, document order', () => {
  const fields = flattenSample({ order: { id: 5, customer: { phones: [{ number: '+7 900' }, { number: '8 495' }] }, tags: [], meta: {}, note: null }, ok: true });
  assert.deepEqual(fields, [
    { id: 'order.id', sample: 5 },
    { id: 'order.customer.phones.0.number', sample: '+7 900' },
    { id: 'order.customer.phones.1.number', sample: '8 495' },
    { id: 'order.tags', sample: [] },
    { id: 'order.meta', sample: {} },
    { id: 'order.note', sample: null },
    { id: 'ok', sample: true },
  ]);
  assert.deepEqual(flattenSample({ customer: { phones: [{ number: '+7 900' }] } }), [{ id: 'customer.phones.0.number', sample: '+7 900' }]);
});

test('arrays of primitives and nested arrays; a top-level array', () => {
  assert.deepEqual(flattenSample({ tags: ['a', 'b'], m: [[1], [2, 3]] }), [
    { id: 'tags.0', sample: 'a' },
    { id: 'tags.1', sample: 'b' },
    { id: 'm.0.0', sample: 1 },
    { id: 'm.1.0', sample: 2 },
    { id: 'm.1.1', sample: 3 },
  ]);
  assert.deepEqual(flattenSample([{ a: 1 }]), [{ id: '0.a', sample: 1 }]);
});

test('nothing to pick from a primitive or an empty container', () => {
  for (const v of [undefined, null, 5, 'x', {}, []]) assert.deepEqual(flattenSample(v), []);
});

test('own keys only', () => {
  const proto = { inherited: 1 };
  const obj = Object.create(proto) as Record<string, unknown>;
  obj.own = 2;
  Object.defineProperty(obj, 'hidden', { value: 3, enumerable: false });
  assert.deepEqual(flattenSample(obj), [{ id: 'own', sample: 2 }]);
  assert.deepEqual(flattenSample(JSON.parse('{"__proto__":{"x":1}}')), [{ id: '__proto__.x', sample: 1 }]);
});

test('keys the dotted syntax cannot hold use bracket form, and every id renders back its sample', () => {
  const sample = { form: { 'Your name': 'Анна', 'a.b': 1, Телефон: '+7 900', '': 'empty key' }, 'top key': [true] };
  const fields = flattenSample(sample);
  assert.deepEqual(
    fields.map((f) => f.id),
    ['form["Your name"]', 'form["a.b"]', 'form.Телефон', 'form[""]', '["top key"].0'],
  );
  for (const f of fields) assert.deepEqual(renderTemplate(`{{ trigger.${f.id} }}`, { trigger: sample }), f.sample, f.id);
});

test('bounded by maxFields and maxDepth', () => {
  assert.equal(flattenSample({ a: Array.from({ length: 5000 }, (_, i) => i) }).length, 2000);
  const limited = flattenSample({ a: [1, 2, 3], b: { c: 4, d: 5 } }, { maxFields: 4 });
  assert.deepEqual(limited.map((f) => f.id), ['a.0', 'a.1', 'a.2', 'b.c']);
  let deep: unknown = 'leaf';
  for (let i = 0; i < 50; i++) deep = { d: deep };
  const [only] = flattenSample(deep, { maxDepth: 5 });
  assert.equal(only.id, 'd.d.d.d.d', 'the container at the depth limit is shown whole');
  assert.equal(flattenSample(deep).length, 1);
  assert.equal(flattenSample(deep)[0].id.split('.').length, 20, 'default maxDepth 20');
  // A cycle stops at the depth limit instead of recursing forever.
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.equal(flattenSample(cyclic, { maxDepth: 3 }).length, 4);
});
