// Save-time checks of what used to fail only at run time: connections that don't exist or belong to
// another service, input keys the action doesn't have (listing the ones it does), option values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
  for (const body of [
    { name: 'crm', connector: 'retailcrm', auth: { url: 'https://shop.retailcrm.ru', apiKey: 'k' } },
    { name: 'ct', connector: 'calltouch', auth: { siteId: '1', clientApiId: 'token' } },
  ]) {
    const res = await app.api('/api/v1/connections', { body });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
});
after(() => app.close());

const save = (steps: unknown[], trigger: Record<string, unknown> = { connector: 'webhook', event: 'incoming' }) =>
  app.api('/api/v1/flows', { body: { name: `v-${Math.random()}`, trigger, steps } });

test('a connection name that does not exist, or is for another service, is refused with the place and the choices', async () => {
  const typo = await save([{ id: 'note', type: 'action', connector: 'retailcrm', action: 'customerNote.create', connection: 'crmm', input: { text: 'x', 'customer.id': '1' } }]);
  assert.equal(typo.status, 422);
  assert.deepEqual(typo.json.issues.map((i: { path: string }) => i.path), ['steps[0] (note).connection']);
  assert.match(typo.json.issues[0].message, /no connection named "crmm" \/ подключения «crmm» нет \(retailcrm: crm\)/);
  const wrong = await save([{ id: 'note', type: 'action', connector: 'retailcrm', action: 'customerNote.create', connection: 'ct', input: { text: 'x' } }]);
  assert.match(wrong.json.issues[0].message, /connection "ct" is a calltouch connection, not retailcrm/);
  const trig = await save([], { connector: 'retailcrm', event: 'order.created', connection: 'nope' });
  assert.equal(trig.json.issues[0].path, 'trigger.connection');
});

test('input keys the action does not have are refused, listing the ones it has; list indices and nested keys are fine', async () => {
  const bad = await save([{ id: 'deal', type: 'action', connector: 'calltouch', action: 'order.update', connection: 'ct', input: { orderNumber: '1', txt: 'x' } }]);
  assert.equal(bad.status, 422);
  assert.equal(bad.json.issues[0].path, 'steps[0] (deal).input.txt');
  assert.match(bad.json.issues[0].message, /action "order.update" has no input "txt" \/ у действия нет поля «txt» \(inputs: orderNumber, overwriteTags, status/);
  const ok = await save([
    {
      id: 'order',
      type: 'action',
      connector: 'retailcrm',
      action: 'order.create',
      connection: 'crm',
      // items.1.* reads as the catalog's items.0.*; customFields.* is inside a catalog field; items as a whole is an extra input.
      input: { firstName: 'A', 'items.1.offer.externalId': 'SKU', 'customFields.size': 'XL', 'delivery.address.city': 'Москва' },
    },
  ]);
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
});

test('trigger options outside their set are refused naming the option', async () => {
  const res = await save([], { connector: 'calltouch', event: 'order.new', connection: 'ct', options: { comments: 'sometimes' } });
  assert.equal(res.status, 422);
  assert.equal(res.json.issues[0].path, 'trigger.options.comments');
  assert.match(res.json.issues[0].message, /допустимо: all, with, without/);
});
