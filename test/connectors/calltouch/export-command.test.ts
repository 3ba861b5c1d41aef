// `svyazka calltouch export` runner: file output, quiet progress lines off a TTY, Ctrl-C summary.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { runExportCommand } from '../../../src/connectors/calltouch/export-command.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { actionCtx } from './support.ts';

let sb: CalltouchSandbox;
let dir: string;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 8, records: 120 });
  dir = mkdtempSync(join(tmpdir(), 'ct-cmd-'));
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

function progress() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c) => (text += c));
  return { stream: s, get text() { return text; } };
}

test('exports to a CSV file with BOM; quiet progress lines and a summary', async () => {
  const p = progress();
  const out = join(dir, 'deals.csv');
  const res = await runExportCommand({ http: actionCtx(sb.credentials, { limitKey: 'cmd' }).http, auth: sb.credentials, logger: pino({ level: 'silent' }), from: '01/01/2018', to: '31/12/2018', withAllOrigins: true, limit: 40, format: 'csv', bom: true, out, progress: p.stream });
  assert.equal(res.complete, true);
  assert.equal(res.records, 120);
  const text = readFileSync(out, 'utf8');
  assert.ok(text.startsWith('\uFEFFclient.phones,'));
  assert.match(p.text, /сделок 120\/120/);
  assert.match(p.text, /Готово: 120 сделок/);
});

test('a broken rule fails before a file is created; an abort reports how far it got', async () => {
  const out = join(dir, 'none.csv');
  await assert.rejects(runExportCommand({ http: actionCtx(sb.credentials).http, auth: sb.credentials, logger: pino({ level: 'silent' }), from: '01/03/2018', to: '27/03/2018', limit: 5000, out }), /limit: не более 1000/);
  assert.equal(existsSync(out), false);
  await assert.rejects(runExportCommand({ http: actionCtx(sb.credentials).http, auth: sb.credentials, logger: pino({ level: 'silent' }), from: '01/03/2018', to: '27/03/2018', format: 'xml' }), /--format/);
  const ac = new AbortController();
  ac.abort(new Error('Прервано (Ctrl-C)'));
  const p = progress();
  const partial = join(dir, 'partial.ndjson');
  const res = await runExportCommand({ http: actionCtx(sb.credentials).http, auth: sb.credentials, logger: pino({ level: 'silent' }), from: '01/01/2018', to: '31/12/2018', format: 'json', out: partial, progress: p.stream, signal: ac.signal });
  assert.equal(res.complete, false);
  assert.deepEqual(JSON.parse(readFileSync(partial, 'utf8')), []);
  assert.match(p.text, /Остановлено \(Прервано \(Ctrl-C\)\): записано 0 сделок/);
});
