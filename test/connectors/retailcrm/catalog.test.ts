// The connector's catalog is exactly the connector page's: every event and action, every field id
// and Russian label, in the page's order. The page is parsed here independently of fields.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { readSeed, seedsMissing } from '../../support/seeds.ts';


/** Tables of the scraped page: `Id | Название |`, `---|---|`, then rows `id`, `|`, `label |`. */
function parseTables(text: string): Array<Array<{ id: string; label: string }>> {
  const lines = text.split('\n');
  const tables: Array<Array<{ id: string; label: string }>> = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== 'Id | Название |' || !/^-+\|-+\|/.test(lines[i + 1]?.trim() ?? '')) continue;
    const rows: Array<{ id: string; label: string }> = [];
    let j = i + 2;
    while (j + 2 < lines.length && lines[j + 1].trim() === '|' && /\|\s*$/.test(lines[j + 2])) {
      rows.push({ id: lines[j].trim(), label: lines[j + 2].replace(/\s*\|\s*$/, '').trim() });
      j += 3;
    }
    tables.push(rows);
    i = j - 1;
  }
  return tables;
}

const tables = parseTables(readSeed('001_098f318c3b2667cc.txt'));
const pairs = (fields: ReadonlyArray<{ id: string; label: string }>) => fields.map((f) => ({ id: f.id, label: f.label }));

test('the page has the 20 tables the seeds README maps', { skip: seedsMissing }, () => {
  assert.equal(tables.length, 20);
  assert.deepEqual(tables.map((t) => t.length), [77, 77, 138, 171, 21, 2, 20, 2, 140, 171, 4, 2, 3, 1, 1, 1, 1, 11, 1, 1]);
});

test('events order.created and order.changed: exactly the page fields, extensible', { skip: seedsMissing }, () => {
  for (const [k, id] of [[0, 'order.created'], [1, 'order.changed']] as const) {
    const trigger = retailcrmConnector.triggers.find((t) => t.id === id);
    assert.ok(trigger, id);
    assert.equal(trigger.delivery, 'webhook');
    assert.equal(trigger.extensibleFields, true);
    assert.deepEqual(pairs(trigger.fields), tables[k], id);
  }
  // The same events delivered by history polling: same ids, same fields, delivery 'poll'.
  for (const id of ['order.created', 'order.changed']) {
    const trigger = retailcrmConnector.triggers.find((t) => t.id === id && t.delivery === 'poll')!;
    assert.ok(trigger, id);
    assert.deepEqual(pairs(trigger.fields), tables[id.startsWith('order.created') ? 0 : 1]);
  }
});

test('every action has exactly the page input and output, in the page order', { skip: seedsMissing }, () => {
  const order = [
    'order.create',
    'order.createFromOzon',
    'order.createFromWildberries',
    'order.update',
    'customerNote.create',
    'order.find',
    'product.findByArticle',
    'store.get',
    'order.packs',
  ];
  assert.deepEqual(retailcrmConnector.actions.map((a) => a.id), order);
  order.forEach((id, k) => {
    const action = retailcrmConnector.actions.find((a) => a.id === id)!;
    assert.deepEqual(pairs(action.input), tables[2 + 2 * k], `${id} input`);
    assert.deepEqual(pairs(action.output), tables[3 + 2 * k], `${id} output`);
  });
});

test('definition basics: key, auth fields, limits, sandbox', () => {
  assert.equal(retailcrmConnector.key, 'retailcrm');
  assert.deepEqual(retailcrmConnector.auth.fields.map((f) => f.id), ['url', 'apiKey', 'site']);
  assert.equal(retailcrmConnector.auth.fields.find((f) => f.id === 'apiKey')!.secret, true);
  assert.equal(retailcrmConnector.limits?.requestsPerSecond, 10);
  assert.equal(typeof retailcrmConnector.sandbox, 'function');
  assert.equal(typeof retailcrmConnector.auth.test, 'function');
});
