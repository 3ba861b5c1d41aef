// Webhook body parsing: content types, charsets, JSON and bracketed forms, limits, prototype keys,
// the query string and how it merges into the body.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyError, DEFAULT_BODY_LIMITS, mergeQuery, parseQueryString, parseWebhookBody, type BodyLimits } from '../../src/intake/body.ts';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const parse = (body: string | Buffer, type?: string, limits?: BodyLimits) =>
  parseWebhookBody(Buffer.isBuffer(body) ? body : Buffer.from(body), type, limits);
const form = (body: string | Buffer, limits?: BodyLimits) => parse(body, FORM, limits).body;

/** The BodyError `fn` throws, checked against `status` and `code`. */
function rejects(fn: () => unknown, status: number, code: string, label = ''): BodyError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BodyError, `${label}: expected a BodyError, got ${String(error)}`);
    assert.equal(`${error.statusCode} ${error.code}`, `${status} ${code}`, `${label}: ${error.message}`);
    assert.equal(error.name, 'BodyError');
    assert.match(error.message, /^[A-Z].*\.$/, 'a sentence');
    return error;
  }
  assert.fail(`${label}: expected ${status} ${code}, nothing was thrown`);
}

/**
 * The work `fn` does, counted instead of timed: characters scanned by indexOf, produced by slice
 * and replaceAll, plus one per charCodeAt, Map get/set/has, Map or array iterator step, forEach
 * entry, array push and sort element, and Object.keys result. A rescan per field (quadratic) shows up as a count that grows with the square
 * of the input, whatever the machine's speed or load.
 */
function countWork(fn: () => void): number {
  let work = 0;
  const patches: Array<[object, string, (original: Function) => Function]> = [
    [String.prototype, 'indexOf', (o) => function (this: string, search: string, from = 0) {
      const at = Reflect.apply(o, this, [search, from]) as number;
      work += (at < 0 ? this.length : at) - Math.max(0, from) + 1;
      return at;
    }],
    [String.prototype, 'slice', (o) => function (this: string, ...args: unknown[]) {
      const out = Reflect.apply(o, this, args) as string;
      work += out.length + 1;
      return out;
    }],
    [String.prototype, 'replaceAll', (o) => function (this: string, ...args: unknown[]) {
      work += this.length + 1;
      return Reflect.apply(o, this, args);
    }],
    [String.prototype, 'charCodeAt', (o) => function (this: string, ...args: unknown[]) {
      work++;
      return Reflect.apply(o, this, args);
    }],
    ...(['get', 'set', 'has'] as const).map((name): [object, string, (original: Function) => Function] => [Map.prototype, name, (o) => function (this: Map<unknown, unknown>, ...args: unknown[]) {
      work++;
      return Reflect.apply(o, this, args);
    }]),
    // Iterating a Map or an array (for…of, spread, Array.from) steps these iterators.
    ...[new Map().keys(), [][Symbol.iterator]()].map((it): [object, string, (original: Function) => Function] => [Object.getPrototypeOf(it), 'next', (o) => function (this: Iterator<unknown>) {
      work++;
      return Reflect.apply(o, this, []);
    }]),
    [Map.prototype, 'forEach', (o) => function (this: Map<unknown, unknown>, ...args: unknown[]) {
      work += this.size;
      return Reflect.apply(o, this, args);
    }],
    [Array.prototype, 'push', (o) => function (this: unknown[], ...args: unknown[]) {
      work += args.length;
      return Reflect.apply(o, this, args);
    }],
    [Array.prototype, 'sort', (o) => function (this: unknown[], ...args: unknown[]) {
      work += this.length;
      return Reflect.apply(o, this, args);
    }],
    [Object, 'keys', (o) => function (this: unknown, value: object) {
      const keys = Reflect.apply(o, Object, [value]) as string[];
      work += keys.length + 1;
      return keys;
    }],
  ];
  const originals = patches.map(([target, name]) => [target, name, (target as Record<string, Function>)[name]] as const);
  for (const [target, name, wrap] of patches) (target as Record<string, Function>)[name] = wrap((target as Record<string, Function>)[name]);
  try {
    fn();
  } finally {
    for (const [target, name, original] of originals) (target as Record<string, Function>)[name] = original;
  }
  return work;
}

function assertPrototypesClean(): void {
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.x, undefined);
  assert.equal(probe.b, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(Object.prototype), []);
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
  assert.equal((Object as unknown as Record<string, unknown>).x, undefined);
}

// ---------------------------------------------------------------------------------------------
// Content types and charsets

test('an empty body is {kind: "empty", body: {}} whatever the content type', () => {
  for (const type of [undefined, JSON_TYPE, FORM, 'text/plain', 'multipart/form-data; boundary=x', 'image/png', 'text/plain; charset=koi8-r']) {
    assert.deepEqual(parse('', type), { kind: 'empty', body: {} }, String(type));
  }
});

test('content types match case-insensitively, parameters ignored', () => {
  assert.deepEqual(parse('{"a":1}', 'Application/JSON ; Charset="UTF-8"'), { kind: 'json', body: { a: 1 } });
  assert.deepEqual(parse('{"a":1}', 'text/json'), { kind: 'json', body: { a: 1 } });
  assert.deepEqual(parse('[1,2]', 'application/vnd.api+json'), { kind: 'json', body: [1, 2] });
  assert.deepEqual(parse('{"a":1}', 'application/problem+json; charset=utf-8; foo=bar').kind, 'json');
  assert.deepEqual(parse('a=1', 'APPLICATION/X-WWW-FORM-URLENCODED;charset=UTF-8'), { kind: 'form', body: { a: '1' } });
  assert.deepEqual(parse('hi', 'TEXT/Plain; format=flowed'), { kind: 'text', body: { text: 'hi' } });
  assert.deepEqual(parse('a,b\n1,2', 'text/csv'), { kind: 'text', body: { text: 'a,b\n1,2' } });
  assert.deepEqual(parse('{"a":1}', 'application/json; charset=us-ascii').body, { a: 1 });
});

test('windows-1251 is decoded in every body kind; other charsets are a 415', () => {
  const name = Buffer.from([0xc8, 0xf0, 0xe8, 0xed, 0xe0]); // "Ирина" in windows-1251
  const raw = Buffer.concat([Buffer.from('name='), name, Buffer.from('&city[name]=%CC%EE%F1%EA%E2%E0+%28%D6%C0%CE%29')]);
  assert.deepEqual(parse(raw, 'application/x-www-form-urlencoded; charset=windows-1251'), {
    kind: 'form',
    body: { name: 'Ирина', city: { name: 'Москва (ЦАО)' } }, // raw bytes and percent-encoded windows-1251 bytes alike
  });
  assert.deepEqual(parse(raw, 'application/x-www-form-urlencoded; charset="CP1251"').body, { name: 'Ирина', city: { name: 'Москва (ЦАО)' } });
  assert.deepEqual(parse(Buffer.concat([Buffer.from('{"name":"'), name, Buffer.from('"}')]), 'application/json; charset=windows-1251').body, { name: 'Ирина' });
  assert.deepEqual(parse(name, 'text/plain; charset=windows-1251').body, { text: 'Ирина' });
  for (const charset of ['koi8-r', 'iso-8859-1', 'utf-16', 'latin1']) {
    const error = rejects(() => parse('x', `text/plain; charset=${charset}`), 415, 'unsupported_charset', charset);
    assert.match(error.message, new RegExp(charset));
  }
});

test('bytes that are not valid UTF-8 are a 400 invalid_utf8 in every body kind', () => {
  const bad = [
    Buffer.from([0x22, 0xff, 0x22]), // 0xFF never appears in UTF-8
    Buffer.from([0x61, 0x3d, 0xc8, 0xf0]), // "a=" + windows-1251 bytes sent without a charset
    Buffer.from([0x61, 0x3d, 0xd0]), // truncated 2-byte sequence
    Buffer.from([0x61, 0x3d, 0xc0, 0xaf]), // overlong "/"
    Buffer.from([0x61, 0x3d, 0xed, 0xa0, 0x80]), // UTF-16 surrogate encoded in UTF-8
  ];
  for (const body of bad) {
    for (const type of [JSON_TYPE, FORM, 'text/plain', 'text/plain; charset=utf-8', undefined]) {
      const error = rejects(() => parse(body, type), 400, 'invalid_utf8', `${body.toString('hex')} as ${type}`);
      assert.match(error.message, /not valid UTF-8/);
    }
  }
  assert.deepEqual(parse(Buffer.from('{"name":"Ирина 😀"}'), JSON_TYPE).body, { name: 'Ирина 😀' });
});

test('multipart, binary and other content types are a 415 naming the accepted types', () => {
  for (const type of ['multipart/form-data; boundary=----x', 'application/octet-stream', 'image/png', 'application/xml', 'application/jsonx', 'json']) {
    const error = rejects(() => parse('--x\r\ncontent\r\n', type), 415, 'unsupported_content_type', type);
    assert.match(error.message, /application\/json/);
    assert.match(error.message, /application\/x-www-form-urlencoded/);
    assert.match(error.message, /text\/plain/);
  }
});

test('no content type: JSON if it starts with { or [, a form if it looks like k=v&k=v, else text', () => {
  assert.deepEqual(parse('{"a":1}'), { kind: 'json', body: { a: 1 } });
  assert.deepEqual(parse('  \n[1,2]'), { kind: 'json', body: [1, 2] });
  assert.deepEqual(parse('a=1&b[c]=2&d=%D0%98'), { kind: 'form', body: { a: '1', b: { c: '2' }, d: 'И' } });
  assert.deepEqual(parse('a=1\n'), { kind: 'form', body: { a: '1' } });
  assert.deepEqual(parse('just words'), { kind: 'text', body: { text: 'just words' } });
  assert.deepEqual(parse('status=ok and more').kind, 'text');
  assert.deepEqual(parse('=1').kind, 'text');
  assert.deepEqual(parse('a=1&&b=2').kind, 'text');
  assert.deepEqual(parse('a').kind, 'text');
  // A guess, so a body that only starts like JSON is text; the limits still hold for real JSON.
  assert.deepEqual(parse('[INFO] disk full'), { kind: 'text', body: { text: '[INFO] disk full' } });
  assert.deepEqual(parse('{broken'), { kind: 'text', body: { text: '{broken' } });
  rejects(() => parse('{"__proto__":{"x":1}}'), 400, 'forbidden_key');
  rejects(() => parse('['.repeat(100) + ']'.repeat(100)), 400, 'too_deep');
  rejects(() => parse('__proto__[x]=1'), 400, 'forbidden_key');
  rejects(() => parse(Buffer.from([0x7b, 0xff])), 400, 'invalid_utf8');
  assert.deepEqual(parse(Buffer.from([0x61, 0x3d, 0xc8]), '; charset=windows-1251'), { kind: 'form', body: { a: 'И' } });
  assertPrototypesClean();
});

// ---------------------------------------------------------------------------------------------
// JSON

test('JSON: objects, arrays and scalars; a BOM is dropped', () => {
  assert.deepEqual(parse('{"a":[1,{"b":null}],"c":"Ж","d":1.5e3,"e":true}', 'application/json; charset=UTF-8'), {
    kind: 'json',
    body: { a: [1, { b: null }], c: 'Ж', d: 1500, e: true },
  });
  assert.deepEqual(parse('[1,"two"]', JSON_TYPE).body, [1, 'two']);
  assert.equal(parse('42', JSON_TYPE).body, 42);
  assert.equal(parse('"s"', JSON_TYPE).body, 's');
  assert.equal(parse('null', JSON_TYPE).body, null);
  assert.equal(parse(' true ', JSON_TYPE).body, true);
  assert.deepEqual(parse('\ufeff{"a":1}', JSON_TYPE).body, { a: 1 });
  // Keys that merely resemble the forbidden ones, and Object.prototype method names, are fine.
  assert.deepEqual(parse('{"hasOwnProperty":1,"toString":2,"proto":3,"_proto_":4,"Constructor":5}', JSON_TYPE).body, {
    hasOwnProperty: 1,
    toString: 2,
    proto: 3,
    _proto_: 4,
    Constructor: 5,
  });
  // Brackets inside strings are not nesting.
  assert.deepEqual(parse(JSON.stringify({ s: '['.repeat(500) + '{'.repeat(500), t: 'a\\"[[[' }), JSON_TYPE).body, { s: '['.repeat(500) + '{'.repeat(500), t: 'a\\"[[[' });
});

test('malformed JSON is a 400 invalid_json carrying the parser message', () => {
  for (const body of ['{"a":', '{"a":1,}', '{a:1}', "{'a':1}", '[1,2', '{"a":1}}', 'undefined', '{"a":1} x']) {
    const error = rejects(() => parse(body, JSON_TYPE), 400, 'invalid_json', body);
    assert.match(error.message, /^Body is not valid JSON: ./);
  }
  const error = rejects(() => parse('{"a":1,}', JSON_TYPE), 400, 'invalid_json');
  assert.match(error.message, /position 7/);
});

test('JSON nesting: maxDepth containers pass, one more is too_deep, 1000 and 1M levels fail fast', () => {
  const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const objects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
  assert.equal(parse(nest(32), JSON_TYPE).kind, 'json');
  assert.equal(parse(objects(32), JSON_TYPE).kind, 'json');
  for (const body of [nest(33), objects(33), nest(1000), objects(1000), '{"a":' + nest(40) + '}']) {
    const error = rejects(() => parse(body, JSON_TYPE), 400, 'too_deep');
    assert.match(error.message, /deeper than 32 levels/);
  }
  // A 1 MiB "[[[[…" is refused by the scan, before JSON.parse builds anything, and the scan stops
  // at the first level past the limit.
  const jsonParse = mock.method(JSON, 'parse');
  try {
    const work = countWork(() => rejects(() => parse('['.repeat(1 << 20), JSON_TYPE), 400, 'too_deep'));
    assert.equal(jsonParse.mock.callCount(), 0, 'refused before parsing');
    assert.ok(work < 10_000, `the scan stopped early (${work} operations for 1 MiB)`);
  } finally {
    jsonParse.mock.restore();
  }
  assert.equal(parse(nest(5), JSON_TYPE, { ...DEFAULT_BODY_LIMITS, maxDepth: 5 }).kind, 'json');
  rejects(() => parse(nest(6), JSON_TYPE, { ...DEFAULT_BODY_LIMITS, maxDepth: 5 }), 400, 'too_deep');
});

test('JSON arrays over maxArrayLength and bodies over maxKeys are refused', () => {
  const array = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => i));
  assert.equal((parse(array(10_000), JSON_TYPE).body as unknown[]).length, 10_000);
  let error = rejects(() => parse(array(100_000), JSON_TYPE), 400, 'array_too_large');
  assert.match(error.message, /100000 items; the limit is 10000/);
  rejects(() => parse(JSON.stringify({ deep: { list: Array.from({ length: 10_001 }, () => ({})) } }), JSON_TYPE), 400, 'array_too_large');
  const keys = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
  assert.equal(Object.keys(parse(keys(20_000), JSON_TYPE).body as object).length, 20_000);
  error = rejects(() => parse(keys(20_001), JSON_TYPE), 400, 'too_many_keys');
  assert.match(error.message, /more than 20000 keys/);
  // Keys are counted over the whole body, nested objects included.
  const spread = JSON.stringify(Array.from({ length: 101 }, (_, i) => Object.fromEntries(Array.from({ length: 200 }, (_, j) => [`k${j}`, i]))));
  rejects(() => parse(spread, JSON_TYPE), 400, 'too_many_keys');
  rejects(() => parse('{"a":1,"b":2,"c":3}', JSON_TYPE, { ...DEFAULT_BODY_LIMITS, maxKeys: 2 }), 400, 'too_many_keys');
  rejects(() => parse('[1,2,3]', JSON_TYPE, { ...DEFAULT_BODY_LIMITS, maxArrayLength: 2 }), 400, 'array_too_large');
});

test('JSON with __proto__, constructor or prototype anywhere is a 400 forbidden_key, and nothing is polluted', () => {
  const bodies = [
    '{"__proto__":{"x":1}}',
    '{"a":{"__proto__":{"x":1}}}',
    '[{"b":[{"__proto__":{"x":1}}]}]',
    '{"\\u005f_proto__":{"x":1}}', // escaped: the parsed key is still "__proto__"
    '{"constructor":{"prototype":{"x":1}}}',
    '{"a":{"constructor":"Bob"}}',
    '{"prototype":1}',
    '{"list":[1,{"prototype":{"x":1}}]}',
  ];
  for (const body of bodies) {
    for (const type of [JSON_TYPE, 'application/ld+json', undefined]) {
      const error = rejects(() => parse(body, type), 400, 'forbidden_key', `${body} as ${type}`);
      assert.match(error.message, /forbidden key "(__proto__|constructor|prototype)"/);
    }
  }
  assertPrototypesClean();
});

// ---------------------------------------------------------------------------------------------
// Forms

test('a realistic RetailCRM order form becomes nested objects and arrays of strings', () => {
  const fields: Array<[string, string]> = [
    ['order[id]', '48213'],
    ['order[number]', '48213A'],
    ['order[status]', 'complete'],
    ['order[totalSumm]', '15990.00'],
    ['order[createdAt]', '2026-11-20 14:07:31'],
    ['order[customer][id]', '9921'],
    ['order[customer][firstName]', 'Ирина'],
    ['order[customer][email]', 'irina.petrova+shop@example.ru'],
    ['order[customer][phones][0][number]', '+7 (916) 123-45-67'],
    ['order[customer][phones][1][number]', '79001234567'],
    ['order[delivery][address][city]', 'Москва'],
    ['order[delivery][address][text]', 'ул. Тверская, д. 7 & кв. 12'],
    ['order[items][0][id]', '1'],
    ['order[items][0][offer][externalId]', 'SKU-1001'],
    ['order[items][0][quantity]', '1'],
    ['order[items][1][id]', '2'],
    ['order[items][1][offer][externalId]', 'SKU-2002'],
    ['order[items][1][quantity]', '2'],
    ['order[customFields][utm_term]', '100% кофе'],
  ];
  const expected = {
    order: {
      id: '48213',
      number: '48213A',
      status: 'complete',
      totalSumm: '15990.00',
      createdAt: '2026-11-20 14:07:31',
      customer: {
        id: '9921',
        firstName: 'Ирина',
        email: 'irina.petrova+shop@example.ru',
        phones: [{ number: '+7 (916) 123-45-67' }, { number: '79001234567' }],
      },
      delivery: { address: { city: 'Москва', text: 'ул. Тверская, д. 7 & кв. 12' } },
      items: [
        { id: '1', offer: { externalId: 'SKU-1001' }, quantity: '1' },
        { id: '2', offer: { externalId: 'SKU-2002' }, quantity: '2' },
      ],
      customFields: { utm_term: '100% кофе' },
    },
  };
  // As PHP sends it (brackets literal, spaces as +) and as a strict encoder sends it (all encoded).
  const php = fields.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&');
  const strict = new URLSearchParams(fields).toString();
  const uri = fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  for (const body of [php, strict, uri]) assert.deepEqual(parse(body, FORM), { kind: 'form', body: expected }, body.slice(0, 80));
  assert.deepEqual(form('order[id]=5&order[customer][phones][0][number]=79001234567'), { order: { id: '5', customer: { phones: [{ number: '79001234567' }] } } });
});

test('form arrays: [] appends, repeated keys collect, numeric indices make compacted arrays', () => {
  assert.deepEqual(form('a[]=1&a[]=2'), { a: ['1', '2'] });
  assert.deepEqual(form('a=1&a=2&a=3'), { a: ['1', '2', '3'] });
  assert.deepEqual(form('x[5]=a&x[2]=b&x[9]=c'), { x: ['b', 'a', 'c'] }); // sparse, compacted in index order
  assert.deepEqual(form('x[5]=a&x[]=b'), { x: ['a', 'b'] }); // an append goes after the largest index
  assert.deepEqual(form('x[1]=a&x[0]=b'), { x: ['b', 'a'] });
  assert.deepEqual(form('x[10000]=a'), { x: ['a'] }); // up to maxArrayLength: still an array
  assert.deepEqual(form('x[10001]=a&x[0]=b'), { x: { 0: 'b', 10001: 'a' } }); // a larger index: an object
  assert.deepEqual(form('x[4294967296]=a'), { x: { 4294967296: 'a' } });
  assert.deepEqual(form('x[01]=a&x[1]=b'), { x: { '01': 'a', 1: 'b' } }); // "01" is a name, not an index
  assert.deepEqual(form('x[-1]=a'), { x: { '-1': 'a' } });
  assert.deepEqual(form('a[][b]=1&a[][b]=2'), { a: [{ b: '1' }, { b: '2' }] });
  assert.deepEqual(form('a[0][b]=1&a[0][c]=2&a[1][b]=3'), { a: [{ b: '1', c: '2' }, { b: '3' }] });
  assert.deepEqual(form('m[0][0]=a&m[0][1]=b&m[1][0]=c'), { m: [['a', 'b'], ['c']] });
  assert.deepEqual(form('a[x]=1&a[0]=2'), { a: { x: '1', 0: '2' } }); // mixed keys: an object
});

test('form values: + is a space, percent-decoding, broken escapes kept, values stay strings', () => {
  assert.deepEqual(form('q=a+b%2Bc&n=5&f=1.50&t=true&e=&k'), { q: 'a b+c', n: '5', f: '1.50', t: 'true', e: '', k: '' });
  assert.deepEqual(form('p=%E0%A4%A&q=100%&r=%zz&s=%D0%98%FF%D0%98&t=%41%'), { p: '%E0%A4%A', q: '100%', r: '%zz', s: 'И%FFИ', t: 'A%' });
  assert.deepEqual(form('name=%D0%98%D1%80%D0%B8%D0%BD%D0%B0&emoji=%F0%9F%98%80&raw=Ирина'), { name: 'Ирина', emoji: '😀', raw: 'Ирина' });
  // RetailCRM puts JSON in a form field: it stays a string here.
  assert.deepEqual(form('order=%7B%22id%22%3A5%2C%22items%22%3A%5B%5D%7D'), { order: '{"id":5,"items":[]}' });
  assert.deepEqual(form('order={"id":5}'), { order: '{"id":5}' });
  // Encoded separators are data, not structure.
  assert.deepEqual(form('a=1%262%3D3&b%3Dc=d'), { a: '1&2=3', 'b=c': 'd' });
});

test('form keys: encoded brackets, literal keys, empty names, conflicts that keep every value', () => {
  assert.deepEqual(form('a%5Bb%5D%5B0%5D=1&a%5bc%5d=2'), { a: { b: ['1'], c: '2' } });
  assert.deepEqual(form('a%255Bb%255D=1'), { 'a%5Bb%5D': '1' }); // %25 is "%": no bracket here
  assert.deepEqual(form('a[b=1&a[b]c=2&[x]=3&a]=4&a[b]]=5'), { 'a[b': '1', 'a[b]c': '2', '[x]': '3', 'a]': '4', 'a[b]]': '5' });
  assert.deepEqual(form('first+name=x&%D0%B8%D0%BC%D1%8F=y'), { 'first name': 'x', имя: 'y' });
  assert.deepEqual(form('=x&&b=1&'), { b: '1' });
  assert.deepEqual(form('a[]=x&a[]'), { a: ['x', ''] });
  assert.deepEqual(form('a[b]=&a[c]'), { a: { b: '', c: '' } });
  // Writing where a value already is never drops data.
  assert.deepEqual(form('a=1&a[b]=2'), { a: { 0: '1', b: '2' } });
  assert.deepEqual(form('a[b]=1&a=2'), { a: { b: '1', 0: '2' } });
  assert.deepEqual(form('a[0]=x&a=y'), { a: ['x', 'y'] });
  assert.deepEqual(form('hasOwnProperty=1&toString[x]=2&valueOf[]=3'), { hasOwnProperty: '1', toString: { x: '2' }, valueOf: ['3'] });
  const body = form('a[b]=1') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(body), Object.prototype);
  assert.equal(Object.getPrototypeOf(body.a), Object.prototype);
});

test('form nesting: maxDepth levels pass, deeper (1000 levels too) is too_deep', () => {
  const key = (levels: number) => 'a' + '[b]'.repeat(levels - 1);
  const ok = form(`${key(32)}=1`) as Record<string, unknown>;
  let node: unknown = ok;
  for (let i = 0; i < 32; i++) node = (node as Record<string, unknown>)[i === 0 ? 'a' : 'b'];
  assert.equal(node, '1');
  for (const body of [`${key(33)}=1`, `${key(1000)}=1`, 'a' + '[]'.repeat(1000) + '=1', 'a' + '%5Bb%5D'.repeat(1000) + '=1']) {
    const error = rejects(() => form(body), 400, 'too_deep', body.slice(0, 20));
    assert.match(error.message, /nested deeper than 32 levels/);
  }
  rejects(() => form('a[b][c]=1', { ...DEFAULT_BODY_LIMITS, maxDepth: 2 }), 400, 'too_deep');
  rejects(() => parseQueryString(`${key(1000)}=1`), 400, 'too_deep');
});

test('form arrays over maxArrayLength and forms over maxKeys are refused, with work linear in the body', () => {
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('&');
  assert.equal(((form(many(10_000, () => 'a[]=1')) as { a: string[] }).a).length, 10_000);
  assert.equal(((form(many(10_000, (i) => `a[${i}]=1`)) as { a: string[] }).a).length, 10_000);
  for (const body of [many(10_001, () => 'a[]=1'), many(10_001, () => 'a=1'), many(10_001, (i) => `a[${i}]=1`), many(100_000, () => 'a[]=1'), many(10_001, () => 'x[y][][z]=1')]) {
    rejects(() => form(body), 400, 'array_too_large', body.slice(0, 20));
  }
  const error = rejects(() => form(many(20_001, (i) => `k${i}=1`)), 400, 'too_many_keys');
  assert.match(error.message, /more than 20000 fields/);
  // Keys are counted over the whole result too: 10,001 fields, 20,003 keys.
  assert.match(rejects(() => form(many(10_001, (i) => `o[k${i}][a]=1`)), 400, 'too_many_keys').message, /more than 20000 keys/);
  assert.deepEqual(form(many(30_000, () => '') + 'a=1'), { a: '1' }); // empty fields ("&&") are not fields
  rejects(() => form('a=1&b=2&c=3', { ...DEFAULT_BODY_LIMITS, maxKeys: 2 }), 400, 'too_many_keys');
  rejects(() => form('a[]=1&a[]=2&a[]=3', { ...DEFAULT_BODY_LIMITS, maxArrayLength: 2 }), 400, 'array_too_large');
  // Appends, repeated keys and fields without "=" stay linear (no rescans per field): twice the
  // fields is about twice the work (a rescan per field would make it four times), and the work per
  // body character stays small.
  const shapes: Record<string, (n: number) => string> = {
    appends: (n) => many(n, () => 'a[]=1'),
    'repeated keys': (n) => many(n, () => 'b=1'),
    'appends and repeats': (n) => many(n, () => 'a[]=1') + '&' + many(n, () => 'b=1'),
    'fields without "="': (n) => many(2 * n, (i) => `k${i}`) + '&z=1',
    'indexed items': (n) => many(n, (i) => `o[i][${i}]=1`),
  };
  for (const [shape, body] of Object.entries(shapes)) {
    const small = body(4_000);
    const large = body(8_000);
    const workSmall = countWork(() => form(small));
    const workLarge = countWork(() => form(large));
    assert.ok(workLarge / workSmall < 2.5, `${shape}: ${workSmall} → ${workLarge} operations for twice the fields`);
    assert.ok(workLarge < 20 * large.length, `${shape}: ${workLarge} operations for ${large.length} characters`);
  }
});

test('form keys __proto__, constructor and prototype are a 400 forbidden_key, and nothing is polluted', () => {
  const bodies = [
    '__proto__[x]=1',
    '__proto__=1',
    'a[__proto__][b]=1',
    'a[__proto__]=1',
    'constructor[prototype][x]=1',
    'a[constructor][prototype][x]=1',
    'a[prototype]=1',
    'ok=1&a[b][][__proto__][x]=1',
    '%5F%5Fproto%5F%5F[x]=1',
    'a%5B__proto__%5D%5Bx%5D=1',
    '__proto__%5Bx%5D=1',
    'constructor=1',
  ];
  for (const body of bodies) {
    rejects(() => form(body), 400, 'forbidden_key', body);
    rejects(() => parseQueryString(body), 400, 'forbidden_key', `query ${body}`);
    rejects(() => parse(body, 'application/x-www-form-urlencoded; charset=windows-1251'), 400, 'forbidden_key', `cp1251 ${body}`);
  }
  // Not exact matches: ordinary (and harmless) literal keys.
  assert.deepEqual(form('__proto__x=1&a[__proto__=2&proto[x]=3'), { __proto__x: '1', 'a[__proto__': '2', proto: { x: '3' } });
  assertPrototypesClean();
});

// ---------------------------------------------------------------------------------------------
// Text

test('text/* is {text}, even when it looks like JSON or a form', () => {
  assert.deepEqual(parse('hi there', 'text/plain'), { kind: 'text', body: { text: 'hi there' } });
  assert.deepEqual(parse('{"a":1}', 'text/plain'), { kind: 'text', body: { text: '{"a":1}' } });
  assert.deepEqual(parse('a=1&b=2', 'text/plain; charset=utf-8'), { kind: 'text', body: { text: 'a=1&b=2' } });
  assert.deepEqual(parse('{"__proto__":1}', 'text/plain').body, { text: '{"__proto__":1}' }); // a string, not a key
  assert.deepEqual(parse('<p>Привет</p>', 'text/html').body, { text: '<p>Привет</p>' });
});

// ---------------------------------------------------------------------------------------------
// Query string and merging

test('parseQueryString follows the form rules', () => {
  assert.deepEqual(parseQueryString('a=1&b[c]=2&d[]=x&d[]=y&e=%D0%98+%D0%98'), { a: '1', b: { c: '2' }, d: ['x', 'y'], e: 'И И' });
  assert.deepEqual(parseQueryString('?a=1'), { a: '1' });
  assert.deepEqual(parseQueryString(''), {});
  assert.deepEqual(parseQueryString('?'), {});
  assert.deepEqual(parseQueryString('0=a&1=b'), { 0: 'a', 1: 'b' }); // the top level is always an object
  assert.deepEqual(parseQueryString('utm=%'), { utm: '%' });
  rejects(() => parseQueryString('a=1&b=2', { ...DEFAULT_BODY_LIMITS, maxKeys: 1 }), 400, 'too_many_keys');
});

test('mergeQuery: a deep merge where the body wins; a non-object body goes under "body"', () => {
  const body = { order: { id: '5', site: 'body-site' }, a: 'body', list: [1] };
  const query = { order: { site: 'query-site', token: 't' }, a: 'query', b: 'q', list: [2, 3] };
  const merged = mergeQuery(body, query);
  assert.deepEqual(merged, { order: { site: 'body-site', token: 't', id: '5' }, a: 'body', b: 'q', list: [1] });
  assert.deepEqual(body, { order: { id: '5', site: 'body-site' }, a: 'body', list: [1] }, 'inputs untouched');
  assert.deepEqual(query, { order: { site: 'query-site', token: 't' }, a: 'query', b: 'q', list: [2, 3] });
  assert.deepEqual(mergeQuery({ a: 'x' }, { a: { deep: '1' } }), { a: 'x' }); // a conflict of shapes: body wins
  assert.deepEqual(mergeQuery({ a: { deep: '1' } }, { a: 'x' }), { a: { deep: '1' } });
  assert.deepEqual(mergeQuery([1, 2], { a: '1' }), { a: '1', body: [1, 2] });
  assert.deepEqual(mergeQuery(42, { a: '1', body: 'q' }), { a: '1', body: 42 });
  assert.deepEqual(mergeQuery(null, { a: '1' }), { a: '1', body: null });
  assert.deepEqual(mergeQuery({}, { a: '1' }), { a: '1' }); // an empty body (GET) is the query
  assert.deepEqual(mergeQuery({ text: 'hi' }, { a: '1' }), { a: '1', text: 'hi' });
  const same = { x: 1 };
  assert.equal(mergeQuery(same, {}), same);
  assert.equal(mergeQuery([1], {}) as unknown[] instanceof Array, true);
  // Hostile inputs built outside the parsers: forbidden keys are skipped, nothing is polluted.
  const evil = JSON.parse('{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}},"ok":1}') as Record<string, unknown>;
  const out = mergeQuery(evil, { q: '1' }) as Record<string, unknown>;
  assert.deepEqual(out, { q: '1', ok: 1 });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(mergeQuery({ ok: 1 }, evil), { ok: 1 });
  assertPrototypesClean();
});

test('the full path: query and form body from one request', () => {
  const query = parseQueryString('site=shop&order[source]=query');
  const body = parse('order[id]=5&order[source]=body', FORM).body;
  assert.deepEqual(mergeQuery(body, query), { site: 'shop', order: { source: 'body', id: '5' } });
});
