// `svyazka calltouch export`: the deal journal to a file or stdout as CSV / NDJSON / JSON.
// A progress bar (pages, records, ETA) on a TTY, quiet lines otherwise; Ctrl-C stops cleanly,
// leaving a valid partial file, and says how far it got. The CLI passes in the connection's auth
// and an HTTP client rate-limited like the engine's (the connector never imports the engine).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { AuthValues, ConnectorHttp } from '../../connector-kit/types.ts';
import { CalltouchClient, commentsChoice, validateExportParams } from './client.ts';
import { exportToStream, progressLine, type ExportFileProgress, type ExportFileResult, type ExportFormat } from './export-file.ts';

export interface ExportCommandOptions {
  http: ConnectorHttp;
  auth: AuthValues;
  logger: Logger;
  from?: string;
  to?: string;
  timeFrom?: string;
  timeTo?: string;
  orderSource?: string;
  phone?: string;
  orderNumber?: string;
  bindTo?: string;
  manager?: string;
  service?: string;
  withTags?: boolean;
  withAllOrigins?: boolean;
  /** Only deals with a comment (same as comments: 'with'). */
  withComments?: boolean;
  /** all (default: every deal) | with | without. */
  comments?: string;
  limit?: string | number;
  format?: string;
  out?: string;
  bom?: boolean;
  /** The Excel preset on top of CSV: `;`, BOM, dd.mm.yyyy hh:mm, phones and ids as text, Russian headers. */
  excel?: boolean;
  /** Where progress goes (default process.stderr). */
  progress?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where data goes without --out (default process.stdout). */
  stdout?: Writable;
  /** Default: aborts on SIGINT / SIGTERM. */
  signal?: AbortSignal;
}

const FORMATS = ['csv', 'ndjson', 'json'];

export function exportParamsFromCli(o: ExportCommandOptions): Record<string, unknown> {
  return {
    dateFrom: o.from,
    dateTo: o.to,
    timeFrom: o.timeFrom,
    timeTo: o.timeTo,
    orderSource: o.orderSource,
    'phoneNumber.value': o.phone,
    orderNumber: o.orderNumber,
    bindTo: o.bindTo,
    manager: o.manager,
    service: o.service,
    withOrdersTags: o.withTags,
    withAllOrderOrigins: o.withAllOrigins,
    withComments: o.withComments ? true : commentsChoice(o.comments, '--comments'),
    limit: o.limit,
  };
}

export async function runExportCommand(o: ExportCommandOptions): Promise<ExportFileResult> {
  const format = (o.format ?? 'csv').toLowerCase();
  if (o.excel && format !== 'csv') throw new Error(`--excel: это вариант CSV, а не ${format} / --excel is a CSV preset, not ${format}`);
  if (!FORMATS.includes(format)) throw new Error(`--format: csv, ndjson или json, получено «${o.format}»`);
  const params = exportParamsFromCli(o);
  validateExportParams(params); // errors before a file is created
  const progressOut = o.progress ?? process.stderr;
  const tty = progressOut.isTTY === true;

  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error('Прервано (Ctrl-C)'));
  if (!o.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else if (o.signal.aborted) ac.abort(o.signal.reason);
  else o.signal.addEventListener('abort', () => ac.abort(o.signal!.reason), { once: true });

  const out: Writable = o.out ? createWriteStream(o.out) : (o.stdout ?? process.stdout);
  const client = new CalltouchClient({ auth: o.auth, http: o.http, logger: o.logger, signal: ac.signal });
  let lastQuiet = 0;
  const onProgress = (p: ExportFileProgress) => {
    if (tty) {
      const width = 24;
      const frac = p.recordsTotal > 0 ? Math.min(1, p.recordsDone / p.recordsTotal) : 0;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      progressOut.write(`\r${bar} ${progressLine(p)}\x1b[K`);
    } else if (p.elapsedMs - lastQuiet >= 5000 || (p.page === p.pageTotal && p.chunk === p.chunks)) {
      lastQuiet = p.elapsedMs;
      progressOut.write(progressLine(p) + '\n');
    }
  };
  let result: ExportFileResult;
  try {
    result = await exportToStream(client, params, out, { format: format as ExportFormat, bom: o.bom, excel: o.excel, signal: ac.signal, onProgress });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (o.out) {
      out.end();
      await once(out, 'finish').catch(() => undefined);
    }
  }
  if (tty) progressOut.write('\n');
  const where = o.out ? ` в ${o.out}` : '';
  if (result.complete) progressOut.write(`Готово: ${result.records} сделок, ${result.pages} страниц${where}\n`);
  else progressOut.write(`Остановлено (${result.stoppedBy}): записано ${result.records} сделок, ${result.pages} страниц${where}; файл корректен, но неполон\n`);
  return result;
}
