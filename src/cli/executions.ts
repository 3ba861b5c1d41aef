// `svyazka execution list|show`: runs with their flow's name, status and attempts (how many times
// a step was tried, not the manual retries) — a table for people, the API's shape with --json.
import type { Command } from 'commander';
import { executionView } from '../api/views.ts';
import { executionStatus } from '../api/routes/params.ts';
import type { ExecutionStatus, StepRecord } from '../store/types.ts';
import { clip, findFlow, limitOption, print, table, when, withServices, workspaceId } from './kit.ts';

/** The most tries any step needed: 6 after a step gave up on its sixth attempt. */
export function attemptsOf(steps: StepRecord[]): number {
  return steps.reduce((max, st) => Math.max(max, st.attempts), 0);
}

const executionStatuses: readonly string[] = executionStatus.options;

function status(value: string | undefined): ExecutionStatus | undefined {
  if (value === undefined) return undefined;
  if (!executionStatuses.includes(value)) throw new Error(`--status must be one of ${executionStatuses.join(', ')}`);
  return value as ExecutionStatus;
}

export function registerExecutionCommands(execution: Command): void {
  execution
    .command('list')
    .description('Executions, newest first: time, flow, status, attempts, error')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--flow <flow>', 'only this flow (name or id)')
    .option('--status <status>', `only this status (${executionStatuses.join(', ')})`)
    .option('--limit <n>', 'how many', '20')
    .option('--before <id>', 'older than this execution (paging)')
    .option('--json', 'JSON output (the API shape, plus attempts)')
    .action((opts: { workspace: string; flow?: string; status?: string; limit: string; before?: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const flowId = opts.flow ? (await findFlow(s, wsId, opts.flow)).id : undefined;
        const page = await s.store.listExecutions(wsId, { flowId, status: status(opts.status), before: opts.before, limit: limitOption(opts.limit) });
        const names = await s.store.flowNames(wsId, page.items.map((e) => e.flowId));
        const items = [];
        for (const e of page.items) items.push({ ...executionView(e, undefined, names.get(e.flowId) ?? null), attempts: attemptsOf(await s.store.listSteps(e.id)) });
        if (opts.json) return print({ items, next: page.next });
        if (items.length === 0) return void process.stdout.write('Запусков нет / No executions\n');
        process.stdout.write(
          table(
            ['CREATED', 'FLOW', 'STATUS', 'ATTEMPTS', 'ID', 'ERROR'],
            items.map((e) => [when(e.createdAt), e.flowName ?? `(deleted) ${e.flowId}`, e.status, e.attempts, e.id, clip(e.error)]),
          ),
        );
        if (page.next) process.stdout.write(`more: --before ${page.next}\n`);
      }),
    );
  execution
    .command('show')
    .description('One execution: its trigger, each step with status, attempts, transactions and error')
    .argument('<id>', 'execution id')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (the API shape, plus attempts)')
    .action((id: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const e = await s.store.getExecution(wsId, id);
        if (!e) throw new Error('Execution not found');
        const steps = await s.store.listSteps(e.id);
        const flowName = (await s.store.flowNames(wsId, [e.flowId])).get(e.flowId) ?? null;
        const view = { ...executionView(e, steps, flowName), attempts: attemptsOf(steps) };
        if (opts.json) return print(view);
        const lines = [
          `Execution ${view.id}`,
          `  flow      ${flowName ?? '(deleted)'} (${e.flowId}, v${e.flowVersion})`,
          `  status    ${view.status}${view.nextRunAt ? ` — next try ${when(view.nextRunAt)}` : ''}`,
          `  origin    ${view.origin}${view.webhookId ? ` (webhook ${view.webhookId})` : ''}`,
          `  created   ${when(view.createdAt)}   started ${when(view.startedAt) ?? '—'}   finished ${when(view.finishedAt) ?? '—'}`,
          `  attempts  ${view.attempts}${e.retries > 0 ? `   retried by hand ${e.retries}×` : ''}   transactions ${view.transactions}`,
          ...(view.error ? [`  error     ${view.errorStep ? `[${view.errorStep}] ` : ''}${view.error}`] : []),
          '',
        ];
        process.stdout.write(lines.join('\n') + '\n');
        if (steps.length === 0) return void process.stdout.write('No steps ran yet\n');
        process.stdout.write(
          table(
            ['#', 'STEP', 'TYPE', 'STATUS', 'ATTEMPTS', 'TX', 'MS', 'ERROR'],
            view.steps!.map((st) => [st.index, st.stepId, st.type, st.status, st.attempts, st.transactions, st.durationMs, clip(st.error, 80)]),
          ),
        );
      }),
    );
}
