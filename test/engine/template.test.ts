import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, checkValue, renderTemplate, renderValue, templateReferences, TemplateRuntimeError } from '../../src/engine/template.ts';

const ctx = {
  trigger: {
    number: 'A-1',
    totalSumm: '1 234,50',
    createdAt: '2024-03-05 14:07:00',
    customer: { phones: [{ number: '8 (916) 123-45-67' }, { number: '+7 495 000 11 22' }], name: '  Ирина  ' },
    items: [{ offer: { externalId: 'SKU-1' } }, { offer: { externalId: 'SKU-2' } }],
    tags: ['vip', 'new'],
    'key with space': 'ok',
    empty: '',
    zero: 0,
  },
  steps: { deal: { id: 42, ok: true } },
  flow: { name: 'F' },
  env: { REGION: 'msk' },
};

test('a single expression keeps its type; mixed text is a string', () => {
  assert.equal(renderTemplate('{{steps.deal.id}}', ctx), 42);
  assert.equal(renderTemplate('  {{ steps.deal.ok }} ', ctx), true);
  assert.deepEqual(renderTemplate('{{trigger.tags}}', ctx), ['vip', 'new']);
  assert.deepEqual(renderTemplate('{{trigger.items.0.offer}}', ctx), { externalId: 'SKU-1' });
  assert.equal(renderTemplate('Deal {{steps.deal.id}} for {{trigger.number}}', ctx), 'Deal 42 for A-1');
  assert.equal(renderTemplate('tags={{trigger.tags}}', ctx), 'tags=["vip","new"]');
  assert.equal(renderTemplate('no templates', ctx), 'no templates');
  assert.equal(renderTemplate('{{trigger.zero}}', ctx), 0);
});

test('paths: dotted numeric indices, brackets, quoted keys; missing is undefined or ""', () => {
  assert.equal(renderTemplate('{{trigger.items.1.offer.externalId}}', ctx), 'SKU-2');
  assert.equal(renderTemplate('{{trigger.items[1].offer.externalId}}', ctx), 'SKU-2');
  assert.equal(renderTemplate('{{trigger["key with space"]}}', ctx), 'ok');
  assert.equal(renderTemplate('{{trigger.nope.deeper}}', ctx), undefined);
  assert.equal(renderTemplate('x{{trigger.nope}}y', ctx), 'xy');
  assert.equal(renderTemplate('{{trigger.items.9.offer}}', ctx), undefined);
  assert.equal(renderTemplate('{{env.REGION}}', ctx), 'msk');
});

test('prototype keys never resolve', () => {
  for (const t of ['{{trigger.__proto__}}', '{{trigger.constructor}}', '{{trigger.tags.constructor.name}}', '{{trigger.customer.toString}}', '{{trigger.tags.length}}']) {
    assert.equal(renderTemplate(t, ctx), undefined, t);
  }
});

test('filters: phone, number, default, lower/upper/trim, join, json', () => {
  assert.equal(renderTemplate('{{trigger.customer.phones.0.number | phone}}', ctx), '79161234567');
  assert.equal(renderTemplate('{{trigger.customer.phones.1.number | phone}}', ctx), '74950001122');
  assert.equal(renderTemplate('{{trigger.totalSumm | number}}', ctx), 1234.5);
  assert.equal(renderTemplate('{{trigger.empty | default: "n/a"}}', ctx), 'n/a');
  assert.equal(renderTemplate('{{trigger.nope | default: 0}}', ctx), 0);
  assert.equal(renderTemplate('{{trigger.number | default: "x"}}', ctx), 'A-1');
  assert.equal(renderTemplate('{{trigger.number | lower}}', ctx), 'a-1');
  assert.equal(renderTemplate('{{trigger.customer.name | trim | upper}}', ctx), 'ИРИНА');
  assert.equal(renderTemplate('{{trigger.tags | join}}', ctx), 'vip, new');
  assert.equal(renderTemplate('{{trigger.tags | join: "|"}}', ctx), 'vip|new');
  assert.equal(renderTemplate('{{steps.deal | json}}', ctx), '{"id":42,"ok":true}');
  assert.throws(() => renderTemplate('{{trigger.number | number}}', ctx), TemplateRuntimeError);
});

test('date filter converts between every format without shifting wall-clock time', () => {
  const cases: Array<[string, string, string | number]> = [
    ['2024-03-05 14:07:00', 'dd/mm/yyyy', '05/03/2024'],
    ['2024-03-05 14:07:00', 'dd/mm/yyyy hh:mm:ss', '05/03/2024 14:07:00'],
    ['05/03/2024 14:07:09', 'Y-m-d H:i:s', '2024-03-05 14:07:09'],
    ['05/03/2024', 'Y-m-d', '2024-03-05'],
    ['05.03.2024', 'dd/mm/yyyy', '05/03/2024'],
    ['2024-03-05T14:07:00+03:00', 'dd/mm/yyyy hh:mm:ss', '05/03/2024 14:07:00'],
    ['2024-03-05T14:07:00Z', 'iso', '2024-03-05T14:07:00Z'],
    ['2024-03-05T14:07:00+03:00', 'unix', 1709636820],
    ['2024-03-05 14:07:00', 'iso', '2024-03-05T14:07:00'],
    ['2024-03-05', 'dd.mm.yyyy', '05.03.2024'],
  ];
  for (const [input, format, expected] of cases) {
    assert.equal(renderTemplate(`{{trigger.d | date: "${format}"}}`, { trigger: { d: input } }), expected, `${input} → ${format}`);
  }
  assert.equal(renderTemplate('{{trigger.d | date: "Y-m-d H:i:s"}}', { trigger: { d: 1709636820 } }), '2024-03-05 11:07:00');
  assert.throws(() => renderTemplate('{{trigger.d | date: "Y-m-d"}}', { trigger: { d: '31/02/2024' } }), /not a date/);
  assert.throws(() => renderTemplate('{{trigger.d | date: "Y-m-d"}}', { trigger: { d: 'tomorrow' } }), /not a date/);
});

test('renderValue renders deep and leaves non-strings alone', () => {
  assert.deepEqual(renderValue({ a: ['{{steps.deal.id}}', 5, null], b: { c: 'n={{trigger.number}}' } }, ctx), { a: [42, 5, null], b: { c: 'n=A-1' } });
});

test('checkTemplate reports syntax, roots, filters, args and unknown steps with positions', () => {
  const opts = { stepIds: new Set(['deal']) };
  assert.deepEqual(checkTemplate('{{steps.deal.id}} {{trigger.x | phone}}', opts), []);
  const expectOne = (t: string, message: RegExp) => {
    const issues = checkTemplate(t, opts);
    assert.equal(issues.length, 1, `${t}: ${JSON.stringify(issues)}`);
    assert.match(issues[0].message, message);
    return issues[0];
  };
  assert.equal(expectOne('abc {{trigger.x', /unterminated/).position, 4);
  expectOne('{{steps.later.id}}', /unknown step id "later"/);
  expectOne('{{secrets.key}}', /unknown root "secrets"/);
  expectOne('{{trigger.x | frobnicate}}', /unknown filter "frobnicate"/);
  expectOne('{{trigger.x | date}}', /takes 1 argument/);
  expectOne('{{trigger.x | date: "yyyy"}}', /unknown date format/);
  expectOne('{{trigger.x |}}', /filter name/);
  expectOne('{{}}', /empty expression/);
  expectOne('{{trigger.x | default: "unterminated}}', /unterminated string/);
  const deep = checkValue({ a: { b: ['{{steps.nope.x}}'] } }, opts);
  assert.equal(deep[0].field, 'a.b.0');
  assert.deepEqual(templateReferences('{{trigger.a.0}} {{steps.deal.id | json}}'), ['trigger.a.0', 'steps.deal.id']);
});
