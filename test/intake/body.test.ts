import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyError, mergeQuery, parseQueryString, parseWebhookBody } from '../../src/intake/body.ts';

const parse = (body: string | Buffer, type?: string) => parseWebhookBody(Buffer.isBuffer(body) ? body : Buffer.from(body), type);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BodyError, String(error));
    return `${error.statusCode} ${error.code}`;
  }
  return 'no error';
};

test('RetailCRM-style form bodies become nested objects and arrays', () => {
  const body = 'order[id]=5&order[customer][phones][0][number]=%2B7+916+123-45-67&order[customer][phones][1][number]=8495'
    + '&order[items][0][offer][externalId]=SKU-1&order[items][1][offer][externalId]=SKU-2&tags[]=a&tags[]=b&site=shop';
  assert.deepEqual(parse(body, 'application/x-www-form-urlencoded').body, {
    order: {
      id: '5',
      customer: { phones: [{ number: '+7 916 123-45-67' }, { number: '8495' }] },
      items: [{ offer: { externalId: 'SKU-1' } }, { offer: { externalId: 'SKU-2' } }],
    },
    tags: ['a', 'b'],
    site: 'shop',
  });
});

test('form edge cases: repeated keys, sparse indices, empty values, bad percent-encoding, a JSON string field', () => {
  assert.deepEqual(parse('a=1&a=2&b', 'application/x-www-form-urlencoded').body, { a: ['1', '2'], b: '' });
  assert.deepEqual(parse('x[5]=a&x[2]=b', 'application/x-www-form-urlencoded').body, { x: ['b', 'a'] });
  assert.deepEqual(parse('p=%E0%A4%A&q=100%', 'application/x-www-form-urlencoded').body, { p: '%E0%A4%A', q: '100%' });
  assert.deepEqual(parse('order={"id":5}', 'application/x-www-form-urlencoded').body, { order: '{"id":5}' });
});

test('JSON, text, empty, charset handling', () => {
  assert.deepEqual(parse('{"a":[1,{"b":null}]}', 'application/json; charset=UTF-8'), { kind: 'json', body: { a: [1, { b: null }] } });
  assert.deepEqual(parse('[1,2]', 'application/vnd.api+json').body, [1, 2]);
  assert.deepEqual(parse('hi', 'text/plain'), { kind: 'text', body: { text: 'hi' } });
  assert.deepEqual(parse('', 'application/json'), { kind: 'empty', body: {} });
  const cp1251 = Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xc8, 0xf0, 0xe8, 0xed, 0xe0]); // name=Ирина
  assert.deepEqual(parse(cp1251, 'application/x-www-form-urlencoded; charset=windows-1251').body, { name: 'Ирина' });
  assert.equal(code(() => parse('x', 'text/plain; charset=koi8-r')), '415 unsupported_charset');
});

test('no content type: guessed from the first bytes', () => {
  assert.equal(parse('{"a":1}').kind, 'json');
  assert.equal(parse('a=1&b[c]=2').kind, 'form');
  assert.equal(parse('just words').kind, 'text');
});

test('hostile input becomes a clear 4xx', () => {
  assert.equal(code(() => parse('{"a":', 'application/json')), '400 invalid_json');
  assert.equal(code(() => parse(Buffer.from([0x22, 0xff, 0x22]), 'application/json')), '400 invalid_utf8');
  assert.equal(code(() => parse('x', 'multipart/form-data; boundary=z')), '415 unsupported_content_type');
  assert.equal(code(() => parse('x', 'application/octet-stream')), '415 unsupported_content_type');
  assert.equal(code(() => parse('['.repeat(1000) + ']'.repeat(1000), 'application/json')), '400 too_deep');
  assert.equal(code(() => parse('a' + '[b]'.repeat(1000) + '=1', 'application/x-www-form-urlencoded')), '400 too_deep');
  assert.equal(code(() => parse(JSON.stringify(Array.from({ length: 100_000 }, () => 0)), 'application/json')), '400 array_too_large');
  assert.equal(code(() => parse(Array.from({ length: 10_001 }, (_, i) => `a[${i}]=1`).join('&'), 'application/x-www-form-urlencoded')), '400 array_too_large');
  assert.equal(code(() => parse(Array.from({ length: 20_001 }, (_, i) => `k${i}=1`).join('&'), 'application/x-www-form-urlencoded')), '400 too_many_keys');
  for (const body of ['{"__proto__":{"x":1}}', '{"a":{"constructor":{"prototype":{"x":1}}}}', '{"prototype":1}']) {
    assert.equal(code(() => parse(body, 'application/json')), '400 forbidden_key', body);
  }
  for (const body of ['__proto__[x]=1', 'a[__proto__][b]=1', 'constructor[prototype][x]=1', '__proto__=1']) {
    assert.equal(code(() => parse(body, 'application/x-www-form-urlencoded')), '400 forbidden_key', body);
  }
  assert.equal(({} as Record<string, unknown>).x, undefined);
  assert.equal(code(() => parseQueryString('__proto__[x]=1')), '400 forbidden_key');
});

test('query parameters merge deeply under the body (the body wins)', () => {
  assert.deepEqual(mergeQuery({ order: { id: '5' }, a: 'body' }, { order: { site: 's' }, a: 'query', b: 'q' }), { order: { site: 's', id: '5' }, a: 'body', b: 'q' });
  assert.deepEqual(mergeQuery([1], { a: '1' }), { a: '1', body: [1] });
  const body = { x: 1 };
  assert.equal(mergeQuery(body, {}), body);
  assert.deepEqual(parseQueryString('a=1&b[c]=2'), { a: '1', b: { c: '2' } });
});
