import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONDITION_OPS, checkConditionStatic, evaluateCondition as ev, type ConditionOp } from '../../src/engine/conditions.ts';

test('the operator list', () => {
  assert.deepEqual([...CONDITION_OPS], ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'in', 'exists', 'not_exists', 'regex']);
});

test('eq: numbers and numeric strings compare numerically', () => {
  assert.equal(ev('1500.00', 'eq', 1500), true);
  assert.equal(ev('1500', 'eq', 1500), true);
  assert.equal(ev('1500', 'eq', '1500.0'), true);
  assert.equal(ev(' 42 ', 'eq', 42), true);
  assert.equal(ev('-3', 'eq', -3), true);
  assert.equal(ev('+3', 'eq', 3), true);
  assert.equal(ev('1e3', 'eq', 1000), true);
  assert.equal(ev(0.1 + 0.2, 'eq', 0.3), false, 'no fuzzy float equality');
  assert.equal(ev('1500', 'eq', 1501), false);
  assert.equal(ev('007', 'eq', '7'), true, 'both numeric');
  assert.equal(ev('1 500', 'eq', 1500), false, 'not a plain number: compared as text');
});

test('eq: booleans against "true"/"false", text otherwise (case-sensitive)', () => {
  assert.equal(ev('true', 'eq', true), true);
  assert.equal(ev(false, 'eq', 'false'), true);
  assert.equal(ev('TRUE', 'eq', true), true);
  assert.equal(ev(true, 'eq', 'false'), false);
  assert.equal(ev(true, 'eq', true), true);
  assert.equal(ev(false, 'eq', 0), false);
  assert.equal(ev('complete', 'eq', 'complete'), true);
  assert.equal(ev('Complete', 'eq', 'complete'), false);
  assert.equal(ev({ a: 1 }, 'eq', { a: 1 }), true, 'objects compare as JSON');
  assert.equal(ev([1, 2], 'eq', [1, 2]), true);
});

test('eq: null, undefined and "" equal each other and nothing else', () => {
  for (const a of [undefined, null, '']) for (const b of [undefined, null, '']) assert.equal(ev(a, 'eq', b), true, `${a} eq ${b}`);
  for (const blank of [undefined, null, '']) {
    for (const v of [0, false, 'x', 'null', 'undefined', []]) {
      assert.equal(ev(blank, 'eq', v), false, `${blank} eq ${JSON.stringify(v)}`);
      assert.equal(ev(v, 'eq', blank), false, `${JSON.stringify(v)} eq ${blank}`);
    }
  }
});

test('ne is the negation of eq', () => {
  assert.equal(ev('a', 'ne', 'b'), true);
  assert.equal(ev(5, 'ne', '5'), false);
  assert.equal(ev('1500.00', 'ne', 1500), false);
  assert.equal(ev(undefined, 'ne', null), false);
  assert.equal(ev(undefined, 'ne', 'x'), true);
});

test('gt / gte / lt / lte: numeric when both are numeric (not lexicographic)', () => {
  assert.equal(ev('10', 'gt', '9'), true);
  assert.equal(ev('9', 'lt', 10), true);
  assert.equal(ev('1500.50', 'gt', 1500), true);
  assert.equal(ev(5, 'gte', 5), true);
  assert.equal(ev(5, 'gte', '5.0'), true);
  assert.equal(ev(5, 'gt', 5), false);
  assert.equal(ev(5, 'lte', 4), false);
  assert.equal(ev(4, 'lte', 4), true);
  assert.equal(ev('-1', 'lt', 0), true);
});

test('gt / gte / lt / lte: dates across formats compare by time', () => {
  assert.equal(ev('2024-03-05 10:00:00', 'gt', '04/03/2024'), true);
  assert.equal(ev('05/03/2024', 'gte', '2024-03-05'), true);
  assert.equal(ev('05/03/2024', 'lte', '2024-03-05'), true);
  assert.equal(ev('05/03/2024', 'gt', '2024-03-05'), false);
  assert.equal(ev('2024-03-05', 'lt', '2024-03-05T00:00:01Z'), true);
  assert.equal(ev('2024-03-05T12:00:00+03:00', 'lt', '2024-03-05T10:00:00Z'), true, 'zones count');
  assert.equal(ev('10/01/2024', 'lt', '09/02/2024'), true, 'dd/mm/yyyy is not compared as text');
  assert.equal(ev('01.02.2024', 'gt', '2024-01-31 23:59:59'), true);
});

test('gt / gte / lt / lte: text otherwise; a blank side is never ordered', () => {
  assert.equal(ev('b', 'gt', 'a'), true);
  assert.equal(ev('abc', 'lt', 'abd'), true);
  assert.equal(ev('a', 'gte', 'a'), true);
  assert.equal(ev('B', 'lt', 'a'), true, 'plain code-unit order');
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    for (const blank of [undefined, null, '']) {
      assert.equal(ev(blank, op, 0), false, `${blank} ${op} 0`);
      assert.equal(ev(5, op, blank), false, `5 ${op} ${blank}`);
    }
  }
});

test('contains / not_contains: substring (case-sensitive) or array item', () => {
  assert.equal(ev('hello world', 'contains', 'lo w'), true);
  assert.equal(ev('hello world', 'contains', 'Hello'), false);
  assert.equal(ev('order 1500', 'contains', 1500), true);
  assert.equal(ev(['a', '2'], 'contains', 2), true, 'eq semantics per item');
  assert.equal(ev(['1500.00'], 'contains', 1500), true);
  assert.equal(ev([true], 'contains', 'true'), true);
  assert.equal(ev(['ab'], 'contains', 'a'), false, 'array items are not searched as text');
  assert.equal(ev(undefined, 'contains', 'x'), false);
  assert.equal(ev(['a'], 'not_contains', 'b'), true);
  assert.equal(ev(['a'], 'not_contains', 'a'), false);
  assert.equal(ev('abc', 'not_contains', 'd'), true);
  assert.equal(ev('abc', 'not_contains', 'b'), false);
  assert.equal(ev(undefined, 'not_contains', 'x'), true);
});

test('starts_with', () => {
  assert.equal(ev('+7916', 'starts_with', '+7'), true);
  assert.equal(ev('+7916', 'starts_with', '7'), false);
  assert.equal(ev(79161234567, 'starts_with', 7), true);
  assert.equal(ev('Order', 'starts_with', 'order'), false);
  assert.equal(ev(undefined, 'starts_with', 'x'), false);
});

test('in: array (eq semantics) or comma-separated string (trimmed)', () => {
  assert.equal(ev('new', 'in', ['new', 'complete']), true);
  assert.equal(ev('new', 'in', 'complete, new'), true);
  assert.equal(ev('new', 'in', 'complete,new ,x'), true);
  assert.equal(ev('ne', 'in', 'new, complete'), false, 'whole items, not substrings');
  assert.equal(ev('3', 'in', [1, 2, 3]), true);
  assert.equal(ev(3, 'in', '1, 2, 3.0'), true);
  assert.equal(ev('x', 'in', ['a']), false);
  assert.equal(ev('x', 'in', []), false);
  assert.equal(ev(undefined, 'in', 'a,,b'), false, 'empty items of a string list are ignored');
  assert.equal(ev(['vip', 'b2b'], 'in', 'b2b, partner'), true, 'an array left side: any item in the list');
  assert.equal(ev(['vip'], 'in', ['partner']), false);
});

test('exists / not_exists treat undefined, null, "" and [] as missing', () => {
  for (const v of [undefined, null, '', []]) {
    assert.equal(ev(v, 'exists', undefined), false);
    assert.equal(ev(v, 'not_exists', undefined), true);
  }
  for (const v of [0, false, 'x', ' ', [1], {}]) {
    assert.equal(ev(v, 'exists', undefined), true, JSON.stringify(v));
    assert.equal(ev(v, 'not_exists', undefined), false, JSON.stringify(v));
  }
});

test('regex: plain pattern or /pattern/flags', () => {
  assert.equal(ev('ORDER-123', 'regex', '^ORDER-\\d+$'), true);
  assert.equal(ev('order-123', 'regex', '^ORDER-\\d+$'), false);
  assert.equal(ev('order-123', 'regex', '/^ORDER-\\d+$/i'), true);
  assert.equal(ev('x', 'regex', '^y'), false);
  assert.equal(ev(12345, 'regex', '^\\d{5}$'), true, 'numbers are matched as text');
  assert.equal(ev(undefined, 'regex', '^$'), true, 'missing is ""');
  assert.equal(ev('Заказ №5', 'regex', '/^заказ/iu'), true);
  // "g" would make test() stateful; it is dropped, so the same call gives the same answer.
  assert.equal(ev('aa', 'regex', '/a/g'), true);
  assert.equal(ev('aa', 'regex', '/a/g'), true);
});

test('regex: a bad or unsafe pattern throws when evaluated', () => {
  assert.throws(() => ev('x', 'regex', '('), /invalid regular expression/);
  assert.throws(() => ev('x', 'regex', '/a/q'), /invalid regular expression/);
  assert.throws(() => ev('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', 'regex', '(a+)+$'), /exponential/);
});

test('an unknown operator throws', () => {
  assert.throws(() => ev(1, 'between' as ConditionOp, 2), /unknown condition operator "between"/);
});

test('checkConditionStatic: right side required except for exists / not_exists', () => {
  assert.equal(checkConditionStatic('exists', undefined), null);
  assert.equal(checkConditionStatic('not_exists', undefined), null);
  for (const op of CONDITION_OPS.filter((o) => o !== 'exists' && o !== 'not_exists')) {
    assert.equal(checkConditionStatic(op, undefined), `operator "${op}" needs a "right" value`);
  }
  assert.equal(checkConditionStatic('eq', null), null, 'null is a value to compare with');
  assert.equal(checkConditionStatic('eq', ''), null);
  assert.equal(checkConditionStatic('gt', 5), null);
  assert.match(checkConditionStatic('between' as ConditionOp, 1)!, /unknown operator "between"/);
});

test('checkConditionStatic: in needs an array or a string', () => {
  assert.equal(checkConditionStatic('in', ['a']), null);
  assert.equal(checkConditionStatic('in', 'a, b'), null);
  assert.equal(checkConditionStatic('in', '{{trigger.list}}'), null);
  assert.match(checkConditionStatic('in', 5)!, /array or a comma-separated/);
  assert.match(checkConditionStatic('in', { a: 1 })!, /array or a comma-separated/);
});

test('checkConditionStatic: regex must compile and be safe', () => {
  assert.equal(checkConditionStatic('regex', '^\\d{3}$'), null);
  assert.equal(checkConditionStatic('regex', '/^order-\\d+$/i'), null);
  assert.equal(checkConditionStatic('regex', '^[^@\\s]+@[^@\\s]+$'), null);
  assert.equal(checkConditionStatic('regex', '{{ trigger.pattern }}'), null, 'templated patterns are checked at run time');
  assert.match(checkConditionStatic('regex', '(')!, /invalid regular expression/);
  assert.match(checkConditionStatic('regex', '/x/zz')!, /invalid regular expression/);
  assert.match(checkConditionStatic('regex', '(a+)+$')!, /exponential/);
  assert.match(checkConditionStatic('regex', '/(x+x+)+y/i')!, /exponential/);
  assert.match(checkConditionStatic('regex', '^(\\d+)*$')!, /exponential/);
  assert.match(checkConditionStatic('regex', 5)!, /needs a pattern string/);
  assert.match(checkConditionStatic('regex', '')!, /needs a pattern string/);
});
