// The CLI's streaming export: CSV with the seed's field ids as columns (+ BOM), NDJSON, JSON; an
// abort mid-way leaves a valid partial file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CalltouchClient } from '../../../src/connectors/calltouch/client.ts';
import { csvColumns } from '../../../src/connectors/calltouch/fields.ts';
import { exportToStream, progressLine, type ExportFileProgress } from '../../../src/connectors/calltouch/export-file.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { actionCtx } from './support.ts';

let sb: CalltouchSandbox;
let dir: string;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 4, records: 300 });
  dir = mkdtempSync(join(tmpdir(), 'ct-export-'));
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

const params = { dateFrom: '01/01/2018', dateTo: '31/12/2018', limit: 50, withOrdersTags: true, withAllOrderOrigins: true };

async function toFile(name: string, format: 'csv' | 'ndjson' | 'json', extra: { bom?: boolean; signal?: AbortSignal; onProgress?: (p: ExportFileProgress) => void } = {}) {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const ctx = { ...actionCtx(sb.credentials, { limitKey: 'file' }), ...(extra.signal ? { signal: extra.signal } : {}) };
  const result = await exportToStream(new CalltouchClient(ctx), params, out, { format, ...extra });
  out.end();
  await once(out, 'finish');
  return { result, text: readFileSync(path, 'utf8') };
}

test('CSV: BOM, the seed field ids as header, one row per deal', async () => {
  const progress: ExportFileProgress[] = [];
  const { result, text } = await toFile('a.csv', 'csv', { bom: true, onProgress: (p) => progress.push(p) });
  assert.equal(result.complete, true);
  assert.equal(result.records, 300);
  assert.ok(text.startsWith('\uFEFF'));
  const lines = text.slice(1).trimEnd().split('\r\n');
  assert.equal(lines[0], csvColumns.join(','));
  for (const id of ['client.phones', 'orderSource.callId', 'visit.utmSource', 'products', 'tags', 'custom']) assert.ok(lines[0].split(',').includes(id), id);
  assert.equal(lines.length, 301);
  assert.ok(progress.length >= 6);
  // Five 90-day periods, each asked twice (deals with a comment, then without): 10 requests' worth.
  assert.match(progressLine(progress.at(-1)!), /страница \d+\/\d+ \(период 10\/10\), сделок 300\/300/);
});

test('NDJSON and JSON are complete and parse', async () => {
  const nd = await toFile('a.ndjson', 'ndjson');
  assert.equal(nd.text.trimEnd().split('\n').map((l) => JSON.parse(l)).length, 300);
  const js = await toFile('a.json', 'json');
  assert.equal((JSON.parse(js.text) as unknown[]).length, 300);
});

test('abort mid-way: a valid partial JSON file and how far it got', async () => {
  const ac = new AbortController();
  const { result, text } = await toFile('partial.json', 'json', { signal: ac.signal, onProgress: (p) => p.chunk === 3 && ac.abort(new Error('Прервано пользователем')) });
  assert.equal(result.complete, false);
  assert.match(result.stoppedBy ?? '', /Прервано/);
  const parsed = JSON.parse(text) as unknown[];
  assert.equal(parsed.length, result.records);
  assert.ok(result.records > 0 && result.records < 300);
});

test('validation errors throw before anything is written', async () => {
  const client = new CalltouchClient(actionCtx(sb.credentials, { limitKey: 'file' }));
  const chunks: string[] = [];
  const { Writable } = await import('node:stream');
  const out = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
  await assert.rejects(exportToStream(client, { dateFrom: '02/03/2018', dateTo: '01/03/2018' }, out, { format: 'csv' }), /должен быть меньше dateTo/);
  assert.deepEqual(chunks, []);
});
