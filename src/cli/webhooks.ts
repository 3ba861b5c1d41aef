// `svyazka webhook list|show`: the webhook history with the flow's name; show prints the raw
// headers, query and body and the executions the webhook started.
import type { Command } from 'commander';
import { executionView, webhookView } from '../api/views.ts';
import { clip, findFlow, limitOption, print, table, when, withServices, workspaceId } from './kit.ts';

const STATUSES = ['accepted', 'no_enabled_flow', 'invalid'] as const;

export function registerWebhookCommands(webhook: Command): void {
  webhook
    .command('list')
    .description('Webhook history, newest first: time, flow, status, size')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--flow <flow>', 'only this flow (name or id)')
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--limit <n>', 'how many', '20')
    .option('--before <id>', 'older than this webhook (paging)')
    .option('--json', 'JSON output (the API shape)')
    .action((opts: { workspace: string; flow?: string; status?: string; limit: string; before?: string; json?: boolean }) =>
      withServices(async (s) => {
        if (opts.status !== undefined && !(STATUSES as readonly string[]).includes(opts.status)) throw new Error(`--status must be one of ${STATUSES.join(', ')}`);
        const wsId = await workspaceId(s, opts.workspace);
        const flowId = opts.flow ? (await findFlow(s, wsId, opts.flow)).id : undefined;
        const page = await s.store.listWebhooks(wsId, { flowId, status: opts.status as (typeof STATUSES)[number] | undefined, before: opts.before, limit: limitOption(opts.limit) });
        const names = await s.store.flowNames(wsId, page.items.map((w) => w.flowId));
        const items = page.items.map((w) => webhookView(w, false, names.get(w.flowId) ?? null));
        if (opts.json) return print({ items, next: page.next });
        if (items.length === 0) return void process.stdout.write('Вебхуков нет / No webhooks\n');
        process.stdout.write(
          table(
            ['RECEIVED', 'FLOW', 'METHOD', 'STATUS', 'BYTES', 'ID', 'ERROR'],
            items.map((w) => [when(w.receivedAt), w.flowName ?? `(deleted) ${w.flowId}`, w.method, w.status, w.size, w.id, clip(w.error)]),
          ),
        );
        if (page.next) process.stdout.write(`more: --before ${page.next}\n`);
      }),
    );
  webhook
    .command('show')
    .description('One webhook: headers, query, body and the executions it started')
    .argument('<id>', 'webhook id')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (the API shape)')
    .action((id: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const w = await s.store.getWebhook(wsId, id);
        if (!w) throw new Error('Webhook not found');
        const flowName = (await s.store.flowNames(wsId, [w.flowId])).get(w.flowId) ?? null;
        const executions = (await s.store.listExecutions(wsId, { webhookId: w.id, limit: 100 })).items.map((e) => executionView(e, undefined, flowName));
        const view = { ...webhookView(w, true, flowName), executions };
        if (opts.json) return print(view);
        const out = [
          `Webhook ${view.id}`,
          `  flow      ${flowName ?? '(deleted)'} (${w.flowId})`,
          `  received  ${when(view.receivedAt)}   ${view.method}   ${view.status}${view.error ? ` — ${view.error}` : ''}`,
          `  from      ${view.ip ?? '—'}   ${view.contentType ?? '—'}   ${view.size} bytes`,
          '',
          'Headers:',
          ...Object.entries(w.headers).map(([k, v]) => `  ${k}: ${v}`),
          ...(Object.keys(w.query).length ? ['', 'Query:', JSON.stringify(w.query, null, 2)] : []),
          '',
          `Body (${view.bodyKind}):`,
          typeof view.body === 'string' ? view.body : JSON.stringify(view.body, null, 2),
          '',
        ];
        process.stdout.write(out.join('\n') + '\n');
        if (executions.length === 0) return void process.stdout.write('Started no execution\n');
        process.stdout.write('Executions:\n' + table(['CREATED', 'STATUS', 'ID', 'ERROR'], executions.map((e) => [when(e.createdAt), e.status, e.id, clip(e.error)])));
      }),
    );
}
