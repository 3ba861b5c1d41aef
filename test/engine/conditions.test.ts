import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConditionStatic, evaluateCondition as ev } from '../../src/engine/conditions.ts';

test('eq / ne coerce numbers, booleans and blanks the way a user expects', () => {
  assert.equal(ev('1500.00', 'eq', 1500), true);
  assert.equal(ev('1500', 'eq', '1500.0'), true);
  assert.equal(ev('complete', 'eq', 'complete'), true);
  assert.equal(ev('Complete', 'eq', 'complete'), false);
  assert.equal(ev('true', 'eq', true), true);
  assert.equal(ev(undefined, 'eq', ''), true);
  assert.equal(ev(undefined, 'eq', 'x'), false);
  assert.equal(ev('a', 'ne', 'b'), true);
  assert.equal(ev(5, 'ne', '5'), false);
});

test('gt / gte / lt / lte compare numbers, then dates, then text; blanks are never greater', () => {
  assert.equal(ev('10', 'gt', '9'), true, 'numeric, not lexicographic');
  assert.equal(ev('9', 'lt', 10), true);
  assert.equal(ev(5, 'gte', 5), true);
  assert.equal(ev(5, 'lte', 4), false);
  assert.equal(ev('2024-03-05 10:00:00', 'gt', '04/03/2024'), true, 'dates across formats');
  assert.equal(ev('2024-03-05', 'lt', '2024-03-05T00:00:01Z'), true);
  assert.equal(ev('b', 'gt', 'a'), true);
  assert.equal(ev(undefined, 'gt', 0), false);
  assert.equal(ev('', 'lt', 5), false);
});

test('contains, not_contains, starts_with, in', () => {
  assert.equal(ev('hello world', 'contains', 'lo w'), true);
  assert.equal(ev(['a', '2'], 'contains', 2), true);
  assert.equal(ev(['a'], 'not_contains', 'b'), true);
  assert.equal(ev('+7916', 'starts_with', '+7'), true);
  assert.equal(ev('new', 'in', ['new', 'complete']), true);
  assert.equal(ev('new', 'in', 'complete, new'), true);
  assert.equal(ev('3', 'in', [1, 2, 3]), true);
  assert.equal(ev('x', 'in', ['a']), false);
});

test('exists / not_exists treat undefined, null, "" and [] as missing', () => {
  for (const v of [undefined, null, '', []]) {
    assert.equal(ev(v, 'exists', undefined), false);
    assert.equal(ev(v, 'not_exists', undefined), true);
  }
  for (const v of [0, false, 'x', [1], {}]) assert.equal(ev(v, 'exists', undefined), true);
});

test('regex, plain or /pattern/flags', () => {
  assert.equal(ev('ORDER-123', 'regex', '^ORDER-\\d+$'), true);
  assert.equal(ev('order-123', 'regex', '/^ORDER-\\d+$/i'), true);
  assert.equal(ev('x', 'regex', '^y'), false);
});

test('save-time checks: right side required, regex valid and safe, in needs a list', () => {
  assert.equal(checkConditionStatic('exists', undefined), null);
  assert.match(checkConditionStatic('eq', undefined)!, /needs a "right"/);
  assert.match(checkConditionStatic('regex', '(')!, /invalid regular expression/);
  assert.match(checkConditionStatic('regex', '(a+)+$')!, /exponential/);
  assert.equal(checkConditionStatic('regex', '^\\d{3}$'), null);
  assert.match(checkConditionStatic('in', 5)!, /array or a comma-separated/);
  assert.equal(checkConditionStatic('in', ['a']), null);
});
