// `svyazka calltouch …` commands, built here so the CLI only mounts them:
//   svyazka calltouch export --connection NAME --from 01/03/2018 --to 27/03/2018 [filters]
//     --format csv|ndjson|json [--out FILE] [--bom]
// `open` gives the named connection's auth and a rate-limited HTTP client (the CLI owns the store).
import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import type { AuthValues, ConnectorHttp } from '../../connector-kit/types.ts';
import { runExportCommand, type ExportCommandOptions } from './export-command.ts';

export interface OpenedConnection {
  auth: AuthValues;
  http: ConnectorHttp;
  logger: Logger;
  close(): Promise<void>;
}

export type OpenConnection = (workspace: string, connectionName: string) => Promise<OpenedConnection>;

export function calltouchCommand(open: OpenConnection, io: { progress?: ExportCommandOptions['progress']; stdout?: ExportCommandOptions['stdout']; signal?: AbortSignal } = {}): Command {
  const ct = new Command('calltouch').description('Calltouch: выгрузка журнала сделок');
  ct.command('export')
    .description('Выгрузить журнал сделок (orders-diary) в CSV, NDJSON или JSON; все страницы, длинные периоды частями')
    .requiredOption('-c, --connection <name>', 'подключение Calltouch')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--from <dd/mm/yyyy>', 'dateFrom: начальная дата создания сделок')
    .option('--to <dd/mm/yyyy>', 'dateTo: конечная дата создания сделок')
    .option('--time-from <hh:mm:ss>', 'timeFrom')
    .option('--time-to <hh:mm:ss>', 'timeTo')
    .addOption(new Option('--order-source <source>', 'orderSource').choices(['CALL', 'REQUEST', 'CHAT']))
    .option('--phone <number>', 'phoneNumber.value (вместо дат)')
    .option('--order-number <id>', 'orderNumber (вместо дат)')
    .option('--bind-to <value>', 'bindTo: передаётся как есть (значения в документации утеряны; песочница его игнорирует)')
    .option('--manager <name>', 'manager')
    .option('--service <name>', 'service, например retailCRM')
    .option('--with-tags', 'withOrdersTags=true')
    .option('--with-all-origins', 'withAllOrderOrigins=true')
    .addOption(
      new Option('--comments <kind>', 'сделки по комментарию: all — все (два запроса, withComments=true и false), with — только с комментарием, without — только без')
        .choices(['all', 'with', 'without'])
        .default('all'),
    )
    .option('--with-comments', 'то же, что --comments with (withComments=true)')
    .option('--limit <n>', 'сделок на странице (≤ 1000)', '1000')
    .addOption(new Option('--format <format>', 'формат').choices(['csv', 'ndjson', 'json']).default('csv'))
    .option('-o, --out <file>', 'файл (по умолчанию stdout)')
    .option('--bom', 'UTF-8 BOM в начале CSV (для Excel)')
    .option('--excel', 'CSV для Excel: разделитель «;», UTF-8 с BOM, даты dd.mm.yyyy hh:mm, телефоны и id как текст, русские заголовки')
    .addHelpText(
      'after',
      '\nwithComments в Calltouch выбирает один вид сделок: true — с комментарием, false — без. По умолчанию (--comments all)\nвыгружаются все сделки: оба запроса, объединённые без повторов.',
    )
    .action(async (opts: Record<string, any>) => {
      const conn = await open(opts.workspace, opts.connection);
      try {
        const result = await runExportCommand({
          http: conn.http,
          auth: conn.auth,
          logger: conn.logger,
          from: opts.from,
          to: opts.to,
          timeFrom: opts.timeFrom,
          timeTo: opts.timeTo,
          orderSource: opts.orderSource,
          phone: opts.phone,
          orderNumber: opts.orderNumber,
          bindTo: opts.bindTo,
          manager: opts.manager,
          service: opts.service,
          withTags: opts.withTags,
          withAllOrigins: opts.withAllOrigins,
          withComments: opts.withComments,
          comments: opts.comments,
          limit: opts.limit,
          format: opts.format,
          out: opts.out,
          bom: opts.bom,
          excel: opts.excel,
          progress: io.progress,
          stdout: io.stdout,
          signal: io.signal,
        });
        if (!result.complete) process.exitCode = 130;
      } finally {
        await conn.close();
      }
    });
  return ct;
}
