// The `map` filter: inline pairs or a flow-level map, a value for anything else, checked at save.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { checkTemplate, renderTemplate, TemplateRuntimeError } from '../../src/engine/template.ts';
import { FlowValidationError, validateFlow } from '../../src/engine/validate-flow.ts';

const ctx = { trigger: { status: 'complete', other: 'new', n: 2 }, flow: { maps: { ctStatus: { complete: '2', cancel: '3' }, byNumber: { '2': 'два' } } } };
const render = (t: string) => renderTemplate(t, ctx);

test('inline pairs map a value; the second argument is the value for anything else; without it the value passes through', () => {
  assert.equal(render('{{trigger.status | map: "complete=2, cancel=3", "1"}}'), '2');
  assert.equal(render('{{trigger.other | map: "complete=2, cancel=3", "1"}}'), '1');
  assert.equal(render('{{trigger.other | map: "complete=2, cancel=3"}}'), 'new');
  assert.equal(render('{{trigger.other | map: "complete=2", 0}}'), 0);
  // Numbers compare as their text; a value may itself hold "=".
  assert.equal(render('{{trigger.n | map: "2=a=b"}}'), 'a=b');
});

test('"@name" uses the flow\'s maps; an unknown one fails the step naming the maps there are', () => {
  assert.equal(render('{{trigger.status | map: "@ctStatus", "1"}}'), '2');
  assert.equal(render('{{trigger.n | map: "@byNumber"}}'), 'два');
  assert.throws(() => render('{{trigger.status | map: "@missing"}}'), (e: Error) => e instanceof TemplateRuntimeError && /unknown map "@missing".*ctStatus, byNumber/.test(e.message));
});

test('a malformed inline map or a wrong argument count is a save-time problem', () => {
  const opts = { stepIds: new Set<string>() };
  assert.match(checkTemplate('{{trigger.status | map: "complete"}}', opts)[0].message, /needs "from=to"/);
  assert.match(checkTemplate('{{trigger.status | map}}', opts)[0].message, /takes 1–2 arguments|takes 1/);
  assert.match(checkTemplate('{{trigger.status | map: 5}}', opts)[0].message, /must be a string/);
  assert.deepEqual(checkTemplate('{{trigger.status | map: "a=1,b=2", "x"}}', opts), []);
});

test('validateFlow: flow maps are named like identifiers and "@name" must be one of them', () => {
  const base = {
    name: 'maps',
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [{ id: 's', type: 'set', values: { st: '{{trigger.status | map: "@ctStatus", "1"}}' } }],
  };
  assert.doesNotThrow(() => validateFlow({ ...base, maps: { ctStatus: { complete: '2' } } }, builtinConnectors()));
  assert.throws(
    () => validateFlow({ ...base, maps: { other: { a: 'b' } } }, builtinConnectors()),
    (e: Error) => e instanceof FlowValidationError && e.issues.some((i) => i.path.includes('steps[0]') && /unknown map "@ctStatus".*other/.test(i.message)),
  );
  assert.throws(() => validateFlow({ ...base, maps: { 'bad name': {} } }, builtinConnectors()), FlowValidationError);
});
