// `calltouch export --excel`: the CSV preset a Russian Excel opens by double-click — `;`, UTF-8
// with BOM, Russian headers from the catalog, dd.mm.yyyy hh:mm dates, decimal commas, phones and
// ids as ="…" text (no 7,92E+10, no lost zeros), formula-looking text defused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { runExportCommand } from '../../../src/connectors/calltouch/export-command.ts';
import { excelDate, excelHeader, excelRow } from '../../../src/connectors/calltouch/export-file.ts';
import { csvColumns, recordFields } from '../../../src/connectors/calltouch/fields.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { actionCtx } from './support.ts';

let sb: CalltouchSandbox;
let dir: string;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 5, records: 120 });
  dir = mkdtempSync(join(tmpdir(), 'ct-excel-'));
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Splits one `;` line, honouring "…" quoting. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}

test('--excel through the export command: BOM, Russian headers, dates, phones and ids as text', async () => {
  const out = join(dir, 'deals.csv');
  const progress = Object.assign(new PassThrough(), { isTTY: false });
  progress.resume();
  const res = await runExportCommand({ http: actionCtx(sb.credentials, { limitKey: 'excel' }).http, auth: sb.credentials, logger: pino({ level: 'silent' }), from: '01/01/2018', to: '31/12/2018', withAllOrigins: true, limit: 50, excel: true, out, progress });
  assert.equal(res.complete, true);
  const text = readFileSync(out, 'utf8');
  assert.equal(text.charCodeAt(0), 0xfeff, 'UTF-8 BOM');
  const lines = text.slice(1).trimEnd().split('\r\n');
  assert.equal(lines.length, res.records + 1);
  const header = cells(lines[0]);
  assert.deepEqual(header, csvColumns.map((id) => recordFields.find((f) => f.id === id)!.label));
  assert.ok(header.includes('Телефон клиента') && header.includes('Дата создания сделки'));
  const col = (id: string) => csvColumns.indexOf(id);
  for (const line of lines.slice(1)) {
    const row = cells(line);
    assert.equal(row.length, csvColumns.length, line);
    assert.match(row[col('client.phones')], /^="7\d{10}"$/, 'the phone is a text formula');
    assert.match(row[col('orderNumber')], /^=".+"$/);
    assert.match(row[col('createdDate')], /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$/);
    assert.doesNotMatch(line, /\d{2}\/\d{2}\/\d{4}/, 'no dd/mm/yyyy left');
    assert.match(row[col('isDeleted')], /^(да|нет)$/);
  }
  assert.ok(lines.slice(1).some((l) => cells(l)[col('orderSource.callId')].startsWith('="3')), 'call ids as text');
});

test('--excel is a CSV preset: with another format it is refused before any request', async () => {
  await assert.rejects(
    runExportCommand({ http: actionCtx(sb.credentials).http, auth: sb.credentials, logger: pino({ level: 'silent' }), from: '01/01/2018', to: '31/01/2018', excel: true, format: 'ndjson', out: join(dir, 'x') }),
    /--excel is a CSV preset, not ndjson/,
  );
});

test('cells: leading zeros, long numbers, decimals, formula-looking text, quotes and separators', () => {
  const row = cells(
    excelRow({
      client: { phones: '0079161234567', fio: 'Иванов; Иван "Ваня"' },
      orderNumber: '000123',
      orderSource: { callId: 3012345678901 },
      comment: '=HYPERLINK("http://evil","x")',
      plannedAmount: 1234.5,
      margin: -3,
      tags: ['a', 'b'],
      createdDate: '05/03/2018 14:07:09',
      completedDate: '06/03/2018',
      visit: { visitDate: '2018-03-05T11:00:00Z' },
    }).trimEnd(),
  );
  const col = (id: string) => row[csvColumns.indexOf(id)];
  assert.equal(col('client.phones'), '="0079161234567"');
  assert.equal(col('orderNumber'), '="000123"');
  assert.equal(col('orderSource.callId'), '="3012345678901"');
  assert.equal(col('client.fio'), 'Иванов; Иван "Ваня"');
  assert.equal(col('comment'), `'=HYPERLINK("http://evil","x")`);
  assert.equal(col('plannedAmount'), '1234,5');
  assert.equal(col('margin'), '-3', 'a negative number stays a number');
  assert.equal(col('tags'), 'a, b');
  assert.equal(col('createdDate'), '05.03.2018 14:07');
  assert.equal(col('completedDate'), '06.03.2018');
  assert.equal(col('visit.visitDate'), '05.03.2018 11:00');
  assert.equal(excelDate('not a date'), 'not a date');
  assert.ok(excelHeader().startsWith('Телефон клиента;ФИО клиента;'));
});
