import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkTemplate,
  checkValue,
  renderTemplate,
  renderValue,
  templateReferences,
  TemplateRuntimeError,
  TemplateSyntaxError,
  type TemplateCheckOptions,
} from '../../src/engine/template.ts';

const ctx = {
  trigger: {
    number: 'A-1',
    totalSumm: '1 234,50',
    createdAt: '2024-03-05 14:07:00',
    customer: { phones: [{ number: '8 (916) 123-45-67' }, { number: '+7 495 000 11 22' }], name: '  Ирина  ' },
    items: [{ offer: { externalId: 'SKU-1' } }, { offer: { externalId: 'SKU-2' } }],
    tags: ['vip', 'new'],
    'key with space': 'ok',
    'a.b': 'dotted key',
    empty: '',
    nothing: null,
    zero: 0,
    no: false,
    nested: { list: [[1, 2], [3]] },
  },
  steps: { deal: { id: 42, ok: true, items: ['x', 'y'] } },
  flow: { id: 'f1', name: 'F' },
  env: { REGION: 'msk' },
  execution: { id: 'e1' },
};

const render = (template: string, trigger?: unknown) => renderTemplate(template, trigger === undefined ? ctx : { ...ctx, trigger });

test('a single expression keeps its type', () => {
  assert.equal(render('{{steps.deal.id}}'), 42);
  assert.equal(render('  {{ steps.deal.ok }} '), true);
  assert.equal(render('\n{{trigger.no}}\t'), false);
  assert.equal(render('{{trigger.zero}}'), 0);
  assert.equal(render('{{trigger.nothing}}'), null);
  assert.equal(render('{{trigger.missing}}'), undefined);
  assert.deepEqual(render('{{trigger.tags}}'), ['vip', 'new']);
  assert.deepEqual(render('{{trigger.items.0.offer}}'), { externalId: 'SKU-1' });
  assert.equal(render('{{ trigger.totalSumm | number }}'), 1234.5);
  assert.equal(render('{{ trigger.createdAt | date: "unix" }}'), 1709647620);
  // The same object as in the context, not a copy.
  assert.equal(render('{{trigger}}'), ctx.trigger);
});

test('anything else interpolates into a string', () => {
  assert.equal(render('Deal {{steps.deal.id}} for {{trigger.number}}'), 'Deal 42 for A-1');
  assert.equal(render('{{steps.deal.id}}{{trigger.number}}'), '42A-1', 'two expressions are a string');
  assert.equal(render('x{{trigger.zero}}'), 'x0');
  assert.equal(render('{{steps.deal.ok}}!'), 'true!');
  assert.equal(render('tags={{trigger.tags}}'), 'tags=["vip","new"]');
  assert.equal(render('offer={{trigger.items.0.offer}}'), 'offer={"externalId":"SKU-1"}');
  assert.equal(render('[{{trigger.missing}}|{{trigger.nothing}}|{{trigger.empty}}]'), '[||]');
  assert.equal(render('no templates'), 'no templates');
  assert.equal(render(''), '');
  assert.equal(render('just } and { and }}'), 'just } and { and }}');
  assert.equal(render('Сумма: {{ trigger.totalSumm | number }} ₽'), 'Сумма: 1234.5 ₽');
});

test('paths: dotted numeric indices, brackets, quoted keys', () => {
  assert.equal(render('{{trigger.items.1.offer.externalId}}'), 'SKU-2');
  assert.equal(render('{{trigger.items[1].offer.externalId}}'), 'SKU-2');
  assert.equal(render('{{ trigger.items[ 1 ]["offer"].externalId }}'), 'SKU-2');
  assert.equal(render('{{trigger["key with space"]}}'), 'ok');
  assert.equal(render("{{trigger['key with space']}}"), 'ok');
  assert.equal(render('{{trigger.["key with space"]}}'), 'ok', 'a dot before a bracket is tolerated');
  assert.equal(render('{{trigger["a.b"]}}'), 'dotted key');
  assert.equal(render('{{trigger.nested.list.0.1}}'), 2);
  assert.equal(render('{{trigger.nested.list[1][0]}}'), 3);
  assert.equal(render('{{env.REGION}}'), 'msk');
  assert.equal(render('{{flow.name}}/{{execution.id}}'), 'F/e1');
  assert.equal(render('{{trigger["q\\"uote"]}}', { 'q"uote': 1 }), 1, 'escaped quote inside a bracket key');
  assert.equal(render('{{trigger.Имя}}', { Имя: 'Анна' }), 'Анна', 'cyrillic keys');
});

test('missing paths are undefined, never an error', () => {
  assert.equal(render('{{trigger.nope.deeper.still}}'), undefined);
  assert.equal(render('{{trigger.items.9.offer}}'), undefined);
  assert.equal(render('{{trigger.items.x}}'), undefined, 'non-numeric key on an array');
  assert.equal(render('{{trigger.number.0}}'), undefined, 'no indexing into strings');
  assert.equal(render('{{trigger.zero.x}}'), undefined);
  assert.equal(render('{{trigger.nothing.x}}'), undefined);
  assert.equal(render('{{steps.later.id}}'), undefined);
  assert.equal(renderTemplate('{{trigger.x}}', {}), undefined);
  assert.equal(render('x{{trigger.nope}}y'), 'xy');
});

test('prototype keys never resolve', () => {
  for (const t of [
    '{{trigger.__proto__}}',
    '{{trigger.constructor}}',
    '{{trigger["__proto__"]}}',
    '{{trigger.constructor.prototype}}',
    '{{trigger.tags.constructor.name}}',
    '{{trigger.customer.toString}}',
    '{{trigger.customer.hasOwnProperty}}',
    '{{trigger.tags.length}}',
    '{{trigger.tags.map}}',
    '{{trigger.number.length}}',
    '{{steps.__proto__.polluted}}',
  ]) {
    assert.equal(renderTemplate(t, ctx), undefined, t);
  }
  // Own "__proto__" data (JSON.parse makes one) does resolve.
  assert.equal(renderTemplate('{{trigger.__proto__.x}}', { trigger: JSON.parse('{"__proto__":{"x":1}}') }), 1);
  // Objects without a prototype work too.
  const bare = Object.assign(Object.create(null), { a: 1 });
  assert.equal(renderTemplate('{{trigger.a}}', { trigger: bare }), 1);
});

test('an unknown root fails at run time', () => {
  assert.throws(() => renderTemplate('{{secrets.key}}', { secrets: { key: 1 } }), (e: Error) => e instanceof TemplateRuntimeError && /unknown root "secrets"/.test(e.message));
});

test('filter: phone', () => {
  const phone = (v: unknown) => render('{{trigger.p | phone}}', { p: v });
  assert.equal(render('{{trigger.customer.phones.0.number | phone}}'), '79161234567');
  assert.equal(render('{{trigger.customer.phones.1.number | phone}}'), '74950001122');
  assert.equal(phone('89161234567'), '79161234567');
  assert.equal(phone('+7 (916) 123-45-67'), '79161234567');
  assert.equal(phone('9161234567'), '79161234567', '10 digits get a 7');
  assert.equal(phone('(916) 123 45 67'), '79161234567');
  assert.equal(phone(89161234567), '79161234567', 'a number works too');
  assert.equal(phone('+380 44 123 4567'), '380441234567', 'other countries: digits as they are');
  assert.equal(phone('+1 (212) 555-01-23'), '12125550123', '11 digits not starting with 8');
  assert.equal(phone('123'), '123');
  assert.equal(phone(undefined), undefined);
  assert.equal(phone(''), '');
});

test('filter: number', () => {
  const num = (v: unknown) => render('{{trigger.n | number}}', { n: v });
  assert.equal(render('{{trigger.totalSumm | number}}'), 1234.5);
  assert.equal(num('1234.5'), 1234.5);
  assert.equal(num(1234), 1234);
  assert.equal(num('1 234 567'), 1234567);
  assert.equal(num('1\u00a0234,50'), 1234.5, 'non-breaking space');
  assert.equal(num('1\u202f234,50'), 1234.5, 'narrow no-break space (Intl ru-RU)');
  assert.equal(num('1,234.50'), 1234.5);
  assert.equal(num('1.234,50'), 1234.5);
  assert.equal(num('-15'), -15);
  assert.equal(num(' 0 '), 0);
  assert.equal(num(undefined), undefined);
  assert.equal(render('{{trigger.n | number | default: 0}}', {}), 0);
  for (const bad of ['A-1', 'abc', '12abc', '0x10', 'Infinity', '1.2.3', true, {}]) {
    assert.throws(() => num(bad), TemplateRuntimeError, String(bad));
  }
  assert.throws(() => render('{{trigger.number | number}}'), /"A-1" is not a number/);
});

test('filter: default', () => {
  assert.equal(render('{{trigger.empty | default: "n/a"}}'), 'n/a');
  assert.equal(render('{{trigger.nothing | default: "n/a"}}'), 'n/a');
  assert.equal(render('{{trigger.nope | default: 0}}'), 0);
  assert.equal(render("{{trigger.nope | default: 'single'}}"), 'single');
  assert.equal(render('{{trigger.nope | default: -1.5}}'), -1.5);
  assert.equal(render('{{trigger.number | default: "x"}}'), 'A-1');
  assert.equal(render('{{trigger.zero | default: 5}}'), 0, '0 is a value');
  assert.equal(render('{{trigger.no | default: "y"}}'), false, 'false is a value');
  assert.equal(render('{{ trigger.x | default: "n/a" | upper }}'), 'N/A');
  assert.equal(render('{{ trigger.x | default: "say \\"hi\\", ok" }}'), 'say "hi", ok');
  assert.equal(render('{{ trigger.x | default: "a\\nb\\\\c" }}'), 'a\nb\\c');
  assert.equal(render('{{ trigger.x | default: "}}" }}'), '}}', '"}}" inside a string does not close');
});

test('filters: lower, upper, trim', () => {
  assert.equal(render('{{trigger.number | lower}}'), 'a-1');
  assert.equal(render('{{trigger.number | upper}}'), 'A-1');
  assert.equal(render('{{trigger.customer.name | trim}}'), 'Ирина');
  assert.equal(render('{{trigger.customer.name | trim | upper}}'), 'ИРИНА');
  assert.equal(render('{{trigger.customer.name | lower | trim}}'), 'ирина');
  assert.equal(render('{{trigger.zero | upper}}'), 0, 'non-strings pass through');
  assert.equal(render('{{trigger.nope | trim}}'), undefined);
});

test('filter: join', () => {
  assert.equal(render('{{trigger.tags | join}}'), 'vip, new');
  assert.equal(render('{{trigger.tags | join: "|"}}'), 'vip|new');
  assert.equal(render('{{ steps.deal.items | join: ", " }}'), 'x, y');
  assert.equal(render('{{ trigger.l | join: "-" }}', { l: [1, null, { a: 1 }, 'z'] }), '1--{"a":1}-z');
  assert.equal(render('{{ trigger.l | join }}', { l: [] }), '');
  assert.equal(render('{{trigger.number | join}}'), 'A-1', 'non-arrays pass through');
});

test('filter: json', () => {
  assert.equal(render('{{steps.deal | json}}'), '{"id":42,"ok":true,"items":["x","y"]}');
  assert.equal(render('{{trigger.number | json}}'), '"A-1"');
  assert.equal(render('{{trigger.zero | json}}'), '0');
  assert.equal(render('{{trigger.nope | json}}'), 'null');
  assert.equal(render('{"tags": {{trigger.tags | json}}}'), '{"tags": ["vip","new"]}');
  assert.equal(render('{{trigger.tags | json: 2}}'), '[\n  "vip",\n  "new"\n]');
});

test('filter errors carry the expression and are TemplateRuntimeErrors', () => {
  assert.throws(() => render('{{trigger.x | frobnicate}}'), (e: Error) => e instanceof TemplateRuntimeError && /unknown filter "frobnicate"/.test(e.message));
  assert.throws(() => render('{{trigger.x | date}}'), (e: Error) => e instanceof TemplateRuntimeError && /takes 1 argument/.test(e.message));
  assert.throws(() => render('{{trigger.x | upper: 1}}'), TemplateRuntimeError);
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => render(`{{trigger.number | ${name}}}`), /unknown filter/, name);
  }
  assert.throws(() => render('{{trigger.d | date: "yyyy"}}', { d: '2024-03-05' }), /unknown date format "yyyy"/);
  assert.throws(() => render('{{ trigger.number | number }}'), /\{\{ trigger\.number \| number \}\}/);
});

// The same moment in every input format; date-only formats mean midnight.
const WALL = { date: ['05/03/2024', '2024-03-05', '05.03.2024'], time: '14:07:09' };
const inputsWithTime: Array<[string, unknown]> = [
  ['Y-m-d H:i:s', '2024-03-05 14:07:09'],
  ['dd/mm/yyyy hh:mm:ss', '05/03/2024 14:07:09'],
  ['dd.mm.yyyy hh:mm:ss', '05.03.2024 14:07:09'],
  ['ISO without zone', '2024-03-05T14:07:09'],
  ['ISO with fraction', '2024-03-05T14:07:09.250'],
  ['ISO with zone (kept as its wall clock)', '2024-03-05T14:07:09+03:00'],
  ['ISO with compact zone', '2024-03-05T14:07:09+0300'],
  ['ISO UTC', '2024-03-05T14:07:09Z'],
  ['unix seconds (UTC)', Date.UTC(2024, 2, 5, 14, 7, 9) / 1000],
  ['unix milliseconds (UTC)', Date.UTC(2024, 2, 5, 14, 7, 9)],
  ['unix seconds as text', String(Date.UTC(2024, 2, 5, 14, 7, 9) / 1000)],
  ['Date object', new Date(Date.UTC(2024, 2, 5, 14, 7, 9))],
];
const inputsDateOnly: Array<[string, unknown]> = [
  ['Y-m-d', '2024-03-05'],
  ['dd/mm/yyyy', '05/03/2024'],
  ['dd.mm.yyyy', '05.03.2024'],
];

test('date filter: every input format to every output format, wall clock never shifted', () => {
  const dateOut = (fmt: string, input: unknown) => render(`{{trigger.d | date: "${fmt}"}}`, { d: input });
  for (const [name, input] of inputsWithTime) {
    assert.equal(dateOut('dd/mm/yyyy', input), '05/03/2024', name);
    assert.equal(dateOut('dd/mm/yyyy hh:mm:ss', input), `05/03/2024 ${WALL.time}`, name);
    assert.equal(dateOut('Y-m-d', input), '2024-03-05', name);
    assert.equal(dateOut('Y-m-d H:i:s', input), `2024-03-05 ${WALL.time}`, name);
    assert.equal(dateOut('dd.mm.yyyy', input), '05.03.2024', name);
  }
  for (const [name, input] of inputsDateOnly) {
    assert.equal(dateOut('dd/mm/yyyy', input), '05/03/2024', name);
    assert.equal(dateOut('dd/mm/yyyy hh:mm:ss', input), '05/03/2024 00:00:00', name);
    assert.equal(dateOut('Y-m-d', input), '2024-03-05', name);
    assert.equal(dateOut('Y-m-d H:i:s', input), '2024-03-05 00:00:00', name);
    assert.equal(dateOut('dd.mm.yyyy', input), '05.03.2024', name);
    assert.equal(dateOut('iso', input), '2024-03-05T00:00:00', name);
    assert.equal(dateOut('unix', input), Date.UTC(2024, 2, 5) / 1000, name);
  }
  // iso keeps the zone it was given (none for wall-clock input, Z for unix time).
  assert.equal(dateOut('iso', '2024-03-05 14:07:09'), '2024-03-05T14:07:09');
  assert.equal(dateOut('iso', '05/03/2024 14:07:09'), '2024-03-05T14:07:09');
  assert.equal(dateOut('iso', '2024-03-05T14:07:09+03:00'), '2024-03-05T14:07:09+03:00');
  assert.equal(dateOut('iso', '2024-03-05T14:07:09-05:30'), '2024-03-05T14:07:09-05:30');
  assert.equal(dateOut('iso', '2024-03-05T14:07:09Z'), '2024-03-05T14:07:09Z');
  assert.equal(dateOut('iso', 1709647629), '2024-03-05T14:07:09Z');
  // unix is the instant: the zone counts, wall-clock input is read as UTC.
  const utc = Date.UTC(2024, 2, 5, 14, 7, 9) / 1000;
  assert.equal(dateOut('unix', '2024-03-05T14:07:09Z'), utc);
  assert.equal(dateOut('unix', '2024-03-05T14:07:09+03:00'), utc - 3 * 3600);
  assert.equal(dateOut('unix', '2024-03-05 14:07:09'), utc);
  assert.equal(dateOut('unix', '05/03/2024 14:07:09'), utc);
  assert.equal(dateOut('unix', utc * 1000), utc);
});

test('date filter: outputs round-trip through every other format', () => {
  const formats = ['dd/mm/yyyy hh:mm:ss', 'Y-m-d H:i:s', 'iso', 'unix'];
  for (const from of formats) {
    const intermediate = render(`{{trigger.d | date: "${from}"}}`, { d: '2024-03-05 14:07:09' });
    for (const to of formats) {
      const back = render(`{{trigger.d | date: "${to}"}}`, { d: intermediate });
      const direct = render(`{{trigger.d | date: "${to}"}}`, { d: '2024-03-05 14:07:09' });
      assert.equal(back, to === 'iso' && from === 'unix' ? '2024-03-05T14:07:09Z' : direct, `${from} → ${to}`);
    }
  }
  for (const from of ['dd/mm/yyyy', 'Y-m-d', 'dd.mm.yyyy']) {
    const intermediate = render(`{{trigger.d | date: "${from}"}}`, { d: '05/03/2024' });
    for (const to of ['dd/mm/yyyy', 'Y-m-d', 'dd.mm.yyyy']) {
      assert.equal(render(`{{trigger.d | date: "${to}"}}`, { d: intermediate }), render(`{{trigger.d | date: "${to}"}}`, { d: '2024-03-05' }), `${from} → ${to}`);
    }
  }
});

test('date filter: RetailCRM → Calltouch example, and the machine time zone plays no part', () => {
  assert.equal(render('{{ trigger.createdAt | date: "dd/mm/yyyy hh:mm:ss" }}'), '05/03/2024 14:07:00');
  assert.equal(render('{{trigger.d | date: "Y-m-d H:i:s"}}', { d: '31/12/2023 23:59:59' }), '2023-12-31 23:59:59');
  assert.equal(render('{{trigger.d | date: "dd/mm/yyyy"}}', { d: '2024-02-29' }), '29/02/2024', 'leap day');
  assert.equal(render('Created {{trigger.createdAt | date: "dd.mm.yyyy"}}'), 'Created 05.03.2024');
});

test('date filter: blanks pass through, garbage throws a clear TemplateRuntimeError', () => {
  const dateOut = (input: unknown) => render('{{trigger.d | date: "Y-m-d"}}', { d: input });
  assert.equal(dateOut(undefined), undefined);
  assert.equal(dateOut(null), null);
  assert.equal(dateOut(''), '');
  assert.equal(render('{{trigger.d | date: "Y-m-d" | default: "—"}}', {}), '—');
  for (const bad of ['tomorrow', '31/02/2024', '2024-13-01', '2024-02-30', '2024-03-05 25:00:00', '2024-03-05 14:99:00', '2024-03-05 14:07:61', '5/3/24', true, { a: 1 }, new Date(NaN)]) {
    assert.throws(
      () => dateOut(bad),
      (e: Error) => e instanceof TemplateRuntimeError && /is not a date the date filter understands/.test(e.message),
      String(bad),
    );
  }
});

test('syntax errors throw TemplateSyntaxError with the offset in the template', () => {
  const syntax = (t: string, position: number, message: RegExp) =>
    assert.throws(
      () => renderTemplate(t, ctx),
      (e: Error) => e instanceof TemplateSyntaxError && e.position === position && message.test(e.message),
      t,
    );
  syntax('abc {{trigger.x', 4, /unterminated "\{\{"/);
  syntax('{{}}', 2, /empty expression/);
  syntax('ab {{   }}', 8, /empty expression/);
  syntax('{{ 1abc }}', 3, /expected a path/);
  syntax('{{trigger.}}', 10, /field name after "\."/);
  syntax('{{trigger.x y}}', 12, /unexpected "y"/);
  syntax('{{trigger.x |}}', 13, /filter name/);
  syntax('{{trigger.x | date: yyyy}}', 20, /quoted string or a number/);
  syntax('{{trigger.x | default: "oops}}', 23, /unterminated string/);
  syntax('{{trigger[x]}}', 10, /index or a quoted key/);
  syntax('{{trigger[0}}', 11, /expected "\]"/);
  syntax('ok {{trigger.a}} then {{trigger.b | }}', 36, /filter name/);
});

test('renderValue renders deep, copies containers and leaves non-strings alone', () => {
  const input = { a: ['{{steps.deal.id}}', 5, null, true], b: { c: 'n={{trigger.number}}', d: { e: '{{trigger.tags}}' } }, f: undefined };
  const out = renderValue(input, ctx);
  assert.deepEqual(out, { a: [42, 5, null, true], b: { c: 'n=A-1', d: { e: ['vip', 'new'] } }, f: undefined });
  assert.notEqual((out as { b: unknown }).b, input.b);
  assert.equal(input.b.c, 'n={{trigger.number}}', 'input untouched');
  assert.equal(renderValue(7, ctx), 7);
  assert.equal(renderValue(null, ctx), null);
  assert.equal(renderValue('{{trigger.zero}}', ctx), 0);
  // A "__proto__" key from JSON stays a plain key.
  const rendered = renderValue(JSON.parse('{"__proto__":{"x":"{{trigger.number}}"}}'), ctx) as Record<string, unknown>;
  assert.deepEqual(Object.keys(rendered), ['__proto__']);
  assert.equal(Object.getPrototypeOf(rendered), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(rendered, '__proto__')!.value, { x: 'A-1' });
});

test('renderTemplate is stable across many templates (bounded cache)', () => {
  for (let i = 0; i < 6000; i++) assert.equal(renderTemplate(`n{{trigger.zero}}-${i}`, ctx), `n0-${i}`);
  assert.equal(renderTemplate('n{{trigger.zero}}-0', ctx), 'n0-0');
});

const opts: TemplateCheckOptions = { stepIds: new Set(['deal', 'contact']) };

test('checkTemplate: clean templates have no issues', () => {
  assert.deepEqual(checkTemplate('{{steps.deal.id}} {{trigger.x | phone}}', opts), []);
  assert.deepEqual(checkTemplate('plain text', opts), []);
  assert.deepEqual(checkTemplate('{{ flow.name }}{{env.X}}{{execution.id}}{{trigger}}', opts), []);
  assert.deepEqual(checkTemplate('{{ trigger.d | date: "dd/mm/yyyy hh:mm:ss" | default: "" | json }}', opts), []);
  assert.deepEqual(checkTemplate('{{ steps.contact["full name"] | join: ", " }}', opts), []);
});

test('checkTemplate reports each problem with its message and position', () => {
  const one = (t: string, message: RegExp, position?: number) => {
    const issues = checkTemplate(t, opts);
    assert.equal(issues.length, 1, `${t}: ${JSON.stringify(issues)}`);
    assert.match(issues[0].message, message, t);
    if (position !== undefined) assert.equal(issues[0].position, position, t);
    return issues[0];
  };
  assert.deepEqual(one('abc {{trigger.x', /unterminated "\{\{"/, 4), { message: 'unterminated "{{" (missing "}}")', position: 4, expression: '{{trigger.x' });
  const step = one('Deal: {{ steps.later.id }}', /^unknown step id "later" \(only earlier steps can be used: deal, contact\)$/, 15);
  assert.equal(step.expression, '{{ steps.later.id }}');
  assert.match(checkTemplate('{{steps.x}}', { stepIds: new Set() })[0].message, /unknown step id "x".*none before this step/);
  one('{{steps}}', /needs a step id/, 2);
  one('{{secrets.key}}', /^unknown root "secrets" \(use trigger, steps, flow, env, vars, execution\)$/, 2);
  one('{{trigger.x | frobnicate}}', /^unknown filter "frobnicate" \(known: date, phone, number, default, lower, upper, trim, join, map, json\)$/, 14);
  one('{{trigger.x | date}}', /filter "date" takes 1 argument, got 0/, 14);
  one('{{trigger.x | date: "a", "b"}}', /takes 1 argument, got 2/);
  one('{{trigger.x | default}}', /filter "default" takes 1 argument/);
  one('{{trigger.x | phone: 1}}', /filter "phone" takes 0 arguments, got 1/);
  one('{{trigger.x | join: ",", ";"}}', /filter "join" takes 0 to 1 arguments, got 2/);
  one('{{trigger.x | json: "x"}}', /indent must be a number/);
  one('{{trigger.x | date: "yyyy"}}', /unknown date format "yyyy" \(known: .*dd\/mm\/yyyy.*\)/);
  one('{{trigger.x | date: 5}}', /unknown date format 5/);
  one('{{trigger.x |}}', /filter name/, 13);
  one('{{}}', /empty expression/, 2);
  one('{{trigger.x | default: "unterminated}}', /unterminated string/, 23);
  one('{{trigger.x y}}', /unexpected "y"/, 12);
});

test('checkTemplate reports several problems in one template, in order', () => {
  const issues = checkTemplate('{{ steps.nope.a }} {{ trigger.x | bad }} {{ trigger. }} {{ vault.k | date }}', opts);
  assert.deepEqual(
    issues.map((i) => [i.message.split(' (')[0], i.expression]),
    [
      ['unknown step id "nope"', '{{ steps.nope.a }}'],
      ['unknown filter "bad"', '{{ trigger.x | bad }}'],
      ['expected a field name after "."', '{{ trigger. }}'],
      ['unknown root "vault"', '{{ vault.k | date }}'],
      ['filter "date" takes 1 argument, got 0', '{{ vault.k | date }}'],
    ],
  );
  for (let n = 1; n < issues.length; n++) assert.ok(issues[n].position >= issues[n - 1].position);
});

test('checkValue walks objects and arrays and reports the key path', () => {
  const issues = checkValue({ orderNumber: '{{trigger.number}}', customer: { name: '{{ steps.nope.name }}', phones: ['{{trigger.p | phone}}', '{{trigger.p | nope}}'] }, n: 5, z: null }, opts);
  assert.deepEqual(
    issues.map((i) => [i.field, i.message.split(' (')[0], i.position]),
    [
      ['customer.name', 'unknown step id "nope"', 9],
      ['customer.phones.1', 'unknown filter "nope"', 14],
    ],
  );
  assert.deepEqual(checkValue('{{bad.root}}', opts).map((i) => i.field), ['']);
  assert.deepEqual(checkValue(42, opts), []);
  assert.deepEqual(checkValue({ a: [1, { b: 'x' }] }, opts), []);
});

test('templateReferences lists the dotted paths, each once, in order', () => {
  assert.deepEqual(templateReferences('{{trigger.a.0}} {{steps.deal.id | json}} {{trigger.a[0]}}'), ['trigger.a.0', 'steps.deal.id']);
  assert.deepEqual(templateReferences('{{ trigger["key with space"].x }}'), ['trigger.key with space.x']);
  assert.deepEqual(templateReferences('no templates'), []);
  assert.deepEqual(templateReferences('{{ ok.a }} {{ broken. }}'), ['ok.a']);
});

test('vars: a known variable renders, an unknown one fails naming it; env is an issue where not allowed', () => {
  const ctx = { trigger: {}, steps: {}, vars: { API_KEY: 'k-1', EMPTY: '' } };
  assert.equal(renderTemplate('key={{vars.API_KEY}}', ctx), 'key=k-1');
  assert.equal(renderTemplate('{{vars.EMPTY | default: "x"}}', ctx), 'x');
  assert.throws(() => renderTemplate('{{vars.MISSING}}', ctx), (e: Error) => e instanceof TemplateRuntimeError && /unknown variable "MISSING"/.test(e.message));
  assert.throws(() => renderTemplate('{{vars.toString}}', ctx), /unknown variable "toString"/);
  assert.throws(() => renderTemplate('{{vars.API_KEY}}', { trigger: {} }), /unknown variable "API_KEY"/);
  assert.deepEqual(checkTemplate('{{vars.API_KEY}}', opts), []);
  assert.match(checkTemplate('{{vars}}', opts)[0].message, /"vars" needs a variable name/);
  assert.deepEqual(checkTemplate('{{env.REGION}}', { ...opts, envAllowed: true }), []);
  assert.match(checkTemplate('{{env.REGION}}', { ...opts, envAllowed: false })[0].message, /env is not available in this workspace.*\{\{vars\.REGION\}\}/);
});
