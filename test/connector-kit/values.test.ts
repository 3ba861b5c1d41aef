import assert from 'node:assert/strict';
import test from 'node:test';
import { coerceStructured, isPlainObject } from '../../src/connector-kit/values.ts';

test('coerceStructured: JSON text becomes the structure; other values stay; bad JSON is undefined', () => {
  assert.deepEqual(coerceStructured(' {"a":1} ', 'object'), { a: 1 });
  assert.deepEqual(coerceStructured('[1,2]', 'array'), [1, 2]);
  const obj = { a: 1 };
  assert.equal(coerceStructured(obj, 'json'), obj);
  assert.equal(coerceStructured(undefined, 'array'), undefined);
  assert.equal(coerceStructured('{oops', 'json'), undefined);
});

test('coerceStructured with leadOnly: text that does not start like the type is kept unparsed', () => {
  assert.equal(coerceStructured('Москва', 'json', { leadOnly: true }), 'Москва');
  assert.equal(coerceStructured('[1]', 'object', { leadOnly: true }), '[1]');
  assert.deepEqual(coerceStructured('[1]', 'json', { leadOnly: true }), [1]);
  assert.equal(coerceStructured('{bad', 'json', { leadOnly: true }), undefined);
});

test('isPlainObject: records only', () => {
  assert.equal(isPlainObject({}), true);
  assert.equal(isPlainObject(Object.create(null)), true);
  assert.equal(isPlainObject([]), false);
  assert.equal(isPlainObject(new Date()), false);
  assert.equal(isPlainObject(null), false);
});
