// The connector's parameter list and record field ids, checked against the seed document itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelopeFields, exportInput, exportParams, recordFields } from '../../../src/connectors/calltouch/fields.ts';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';
import { readSeed, seedsMissing } from '../../support/seeds.ts';

const SEED = readSeed('000_74930dbf12122f3b.txt');

function section(from: string, to: string): string[] {
  const start = SEED.indexOf(from);
  const end = SEED.indexOf(to, start + from.length);
  assert.ok(start >= 0 && end > start, `section ${from} … ${to} in the seed`);
  return SEED.slice(start + from.length, end).split('\n');
}

/** Table rows: `name |` or `name` alone on its line followed by a line starting with `|`. */
function tableNames(lines: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    const m = /^([A-Za-z][\w.[\]]*)\s*\|/.exec(l) ?? (/^[A-Za-z][\w.[\]]*$/.test(l) && lines[i + 1]?.trim().startsWith('|') ? [l, l] : null);
    if (m) names.push(m[1]);
  }
  return names;
}

test('export parameters are exactly the seed\'s request parameters', { skip: seedsMissing }, () => {
  const seedParams = tableNames(section('Параметр | Описание |', 'Пример GET-запроса'));
  assert.ok(seedParams.length >= 15, `found ${seedParams.join(',')}`);
  assert.deepEqual(exportParams.map((f) => f.id).sort(), [...new Set(seedParams)].sort());
  // The action takes them all except the token (connection) and page (the client pages itself).
  assert.deepEqual(
    exportInput.map((f) => f.id).filter((id) => id !== 'maxRecords').sort(),
    seedParams.filter((p) => p !== 'clientApiId' && p !== 'page').sort(),
  );
  for (const f of exportParams) assert.match(f.label, /[а-яё]/i, `${f.id} has a Russian label`);
  assert.equal(calltouchConnector.actions.find((a) => a.id === 'orders.export')!.input, exportInput);
});

test('record field ids cover every object of the seed response table and example', { skip: seedsMissing }, () => {
  const names = tableNames(section('Объект | Описание |', 'JSON-объекты, не описанные выше'));
  const ids = new Set([...recordFields, ...envelopeFields].map((f) => f.id));
  const objects = new Set(['client', 'orderSource', 'visit']);
  for (const raw of names) {
    const id = raw.replace(/\[n\]/g, '.0');
    if (objects.has(id)) assert.ok([...ids].some((x) => x.startsWith(`${id}.`)), `${id}.* in the catalog`);
    else assert.ok(ids.has(id), `${id} (seed: ${raw}) in the catalog`);
  }
  // Nested keys of the example records: client.*, orderSource.* (CALL and REQUEST), visit.*.
  const example = SEED.slice(SEED.indexOf('"records": ['));
  for (const obj of objects) {
    for (const block of example.matchAll(new RegExp(`"${obj}": \\{([^}]*)\\}`, 'g'))) {
      for (const key of block[1].matchAll(/"(\w+)":/g)) assert.ok(ids.has(`${obj}.${key[1]}`), `${obj}.${key[1]} in the catalog`);
    }
  }
  // Top-level keys of the example records, and product keys.
  for (const key of ['completedAmount', 'completedDate', 'currencyCode', 'funnel', 'margin', 'orderLink', 'orderName', 'plannedAmount', 'tags', 'products']) assert.ok(ids.has(key), key);
  const product = /"products": \[ \{([^}]*)\}/.exec(example)![1];
  for (const key of product.matchAll(/"(\w+)":/g)) assert.ok(ids.has(`products.0.${key[1]}`), `products.0.${key[1]}`);
  for (const f of recordFields) assert.match(f.label, /[а-яё]|utm_/i, `${f.id} has a Russian label`);
  for (const must of ['client.phones', 'orderSource.callId', 'visit.utmSource', 'products', 'tags', 'custom']) assert.ok(ids.has(must), must);
});

test('the envelope fields are the seed\'s', { skip: seedsMissing }, () => {
  assert.deepEqual(envelopeFields.map((f) => f.id), ['page', 'pageTotal', 'pageSize', 'recordsTotal', 'records']);
  for (const id of ['page', 'pageTotal', 'pageSize', 'recordsTotal']) assert.match(SEED, new RegExp(`"${id}": \\d+`));
});

test('connector definition', () => {
  assert.equal(calltouchConnector.key, 'calltouch');
  assert.equal(calltouchConnector.limits?.requestsPerSecond, 5);
  assert.equal(calltouchConnector.limits?.keyOf?.({ siteId: '12345' }), 'calltouch:12345');
  const auth = Object.fromEntries(calltouchConnector.auth.fields.map((f) => [f.id, f]));
  assert.equal(auth.siteId.required, true);
  assert.equal(auth.clientApiId.secret, true);
  assert.equal(auth.accessToken.secret, true);
  assert.ok(auth.nodeHost && !auth.nodeHost.required);
  assert.deepEqual(calltouchConnector.actions.map((a) => a.id), ['orders.export', 'orders.find', 'order.create', 'order.update']);
  assert.deepEqual(calltouchConnector.triggers.map((t) => [t.id, t.delivery]), [['order.new', 'poll']]);
  assert.equal(typeof calltouchConnector.sandbox, 'function');
});
