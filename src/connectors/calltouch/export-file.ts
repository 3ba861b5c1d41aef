// Streaming export of the deal journal to a file or stream as CSV (flattened, the seed's field ids
// as columns, optional UTF-8 BOM for Excel), NDJSON or JSON — one page in memory at a time, with
// back-pressure. On abort (Ctrl-C) the file is closed where it got to and stays valid: whole CSV
// rows / NDJSON lines, and the JSON array is closed. Used by `svyazka calltouch export`.
import type { Writable } from 'node:stream';
import type { CalltouchClient, ExportProgress } from './client.ts';
import { csvColumns, recordFields } from './fields.ts';

type Obj = Record<string, any>;

export type ExportFormat = 'csv' | 'ndjson' | 'json';

export interface ExportFileProgress extends ExportProgress {
  elapsedMs: number;
  /** Estimated time left (undefined until the total is known). */
  etaMs: number | undefined;
}

export interface ExportFileResult {
  records: number;
  pages: number;
  complete: boolean;
  /** Why it stopped early (abort reason or error message). */
  stoppedBy?: string;
}

export function getPath(r: Obj, id: string): unknown {
  let cur: any = r;
  for (const part of id.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[part];
  }
  return cur;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) s = v.join('; ');
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return /[",\r\n;]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(columns = csvColumns): string {
  return columns.map(cell).join(',') + '\r\n';
}

export function csvRow(r: Obj, columns = csvColumns): string {
  return columns.map((c) => cell(getPath(r, c))).join(',') + '\r\n';
}

// ---- The Excel preset (`--excel`): what a double-click in a Russian Excel opens correctly. ----
// `;` is the list separator of the Russian locale, so Excel splits columns on it; the BOM makes it
// read UTF-8; dates as dd.mm.yyyy hh:mm and decimal commas are what it recognises as dates and
// numbers there. Phones and ids are written as ="79161234567": a text formula is the one form
// Excel (and LibreOffice, Google Sheets) opens from CSV as text without a visible mark — a bare
// number loses leading zeros and turns 11+ digits into 7,92E+10, a leading apostrophe or tab
// stays in the cell. Other text that starts like a formula (= + - @) gets a leading apostrophe
// so a comment cannot run as one (CSV injection).

/** Columns Excel must keep as text: phone numbers and ids. */
const TEXT_COLUMNS = new Set(['client.phones', 'orderNumber', 'orderSource.callId', 'orderSource.phoneNumber', 'orderSource.ani', 'orderSource.requestNumber']);
const DATE = /^(\d{2})[/.-](\d{2})[/.-](\d{4})(?:[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/;

function excelQuote(s: string): string {
  return /[";\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** dd/mm/yyyy[ hh:mm[:ss]] (the journal's form) or ISO → dd.mm.yyyy hh:mm; anything else unchanged. */
export function excelDate(s: string): string {
  const dmy = DATE.exec(s);
  if (dmy) return `${dmy[1]}.${dmy[2]}.${dmy[3]}${dmy[4] ? ` ${dmy[4]}:${dmy[5]}` : ''}`;
  const iso = ISO_DATE.exec(s);
  if (iso) return `${iso[3]}.${iso[2]}.${iso[1]}${iso[4] ? ` ${iso[4]}:${iso[5]}` : ''}`;
  return s;
}

function excelCell(column: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  let s: string;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) s = v.join(', ');
  else if (typeof v === 'object') s = JSON.stringify(v);
  else if (typeof v === 'boolean') s = v ? 'да' : 'нет';
  else if (typeof v === 'number' && !TEXT_COLUMNS.has(column)) return String(v).replace('.', ',');
  else s = String(v);
  if (TEXT_COLUMNS.has(column)) return excelQuote(`="${s.replace(/"/g, '""')}"`);
  if (/date/i.test(column)) s = excelDate(s);
  else if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return excelQuote(s);
}

const LABELS = new Map(recordFields.map((f) => [f.id, f.label]));

/** The Russian column names from the catalog. */
export function excelHeader(columns = csvColumns): string {
  return columns.map((c) => excelQuote(LABELS.get(c) ?? c)).join(';') + '\r\n';
}

export function excelRow(r: Obj, columns = csvColumns): string {
  return columns.map((c) => excelCell(c, getPath(r, c))).join(';') + '\r\n';
}

function write(out: Writable, chunk: string): Promise<void> {
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      out.off('drain', onDrain);
      reject(e);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

/**
 * Writes every deal matching `params` to `out` (not ended here). Validation errors throw before
 * anything is written; an abort or a failure mid-way leaves valid content and `complete: false`.
 */
export async function exportToStream(
  client: CalltouchClient,
  params: Obj,
  out: Writable,
  opts: { format: ExportFormat; bom?: boolean; excel?: boolean; signal?: AbortSignal; onProgress?: (p: ExportFileProgress) => void },
): Promise<ExportFileResult> {
  const started = performance.now();
  let records = 0;
  let pages = 0;
  let complete = false;
  let stoppedBy: string | undefined;
  const it = client.exportOrders(params, {
    onPage: (p) => {
      pages++;
      const elapsedMs = performance.now() - started;
      const perRecord = p.recordsDone > 0 ? elapsedMs / p.recordsDone : undefined;
      const etaMs = perRecord !== undefined && p.chunk === p.chunks ? Math.max(0, (p.recordsTotal - p.recordsDone) * perRecord) : undefined;
      opts.onProgress?.({ ...p, elapsedMs, etaMs });
    },
  });
  // Validation happens on the first step, before any byte is written.
  let first: IteratorResult<Obj>;
  try {
    first = await it.next();
  } catch (error) {
    if (!opts.signal?.aborted) throw error;
    first = { done: true, value: undefined };
    stoppedBy = String((opts.signal.reason as Error)?.message ?? opts.signal.reason ?? 'aborted');
  }
  const excel = opts.format === 'csv' && opts.excel === true;
  if (opts.format === 'csv') await write(out, (opts.bom || excel ? '\uFEFF' : '') + (excel ? excelHeader() : csvHeader()));
  if (opts.format === 'json') await write(out, '[');
  const emit = async (r: Obj) => {
    if (opts.format === 'csv') await write(out, excel ? excelRow(r) : csvRow(r));
    else if (opts.format === 'ndjson') await write(out, JSON.stringify(r) + '\n');
    else await write(out, (records === 0 ? '\n' : ',\n') + JSON.stringify(r));
    records++;
  };
  try {
    let step = first;
    while (!step.done) {
      await emit(step.value);
      if (opts.signal?.aborted) break;
      step = await it.next();
    }
    complete = step.done === true && !opts.signal?.aborted && stoppedBy === undefined;
  } catch (error) {
    stoppedBy = opts.signal?.aborted ? String((opts.signal.reason as Error)?.message ?? opts.signal.reason ?? 'aborted') : (error as Error).message;
  } finally {
    if (!complete && stoppedBy === undefined) stoppedBy = String((opts.signal?.reason as Error)?.message ?? opts.signal?.reason ?? 'aborted');
    await it.return(undefined).catch(() => undefined);
    if (opts.format === 'json') await write(out, records ? '\n]\n' : ']\n');
  }
  return { records, pages, complete, ...(complete ? {} : { stoppedBy }) };
}

/** One human line: pages, records, ETA. */
export function progressLine(p: ExportFileProgress): string {
  const eta = p.etaMs === undefined ? '' : `, осталось ~${Math.ceil(p.etaMs / 1000)} с`;
  const chunk = p.chunks > 1 ? ` (период ${p.chunk}/${p.chunks})` : '';
  return `страница ${p.page}/${p.pageTotal}${chunk}, сделок ${p.recordsDone}/${p.recordsTotal}${eta}`;
}
