// `svyazka plan usage`: this month's quotas in a few lines (and transactions by flow, by name)
// for people; --json prints the whole API answer (daily series included) for scripts.
import type { Command } from 'commander';
import { bytes } from '../plans/disk-limit.ts';
import { print, table, withServices, workspaceId } from './kit.ts';

const pct = (used: number, limit: number) => (limit > 0 ? `${Math.floor((used * 100) / limit)} %` : '—');
const num = (n: number) => n.toLocaleString('ru-RU');

export function registerPlanUsageCommand(plan: Command): void {
  plan
    .command('usage')
    .description("The workspace's usage this month: plan, webhooks and transactions against the quota, transactions by flow")
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (GET /api/v1/usage, with the daily series)')
    .action((opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const u = await s.plans.usage(wsId);
        if (opts.json) return print(u);
        const names = await s.store.flowNames(wsId, u.transactionsByFlow.map((f) => f.flowId));
        const lines = [
          `Plan ${u.plan.id}${u.trialEndsAt ? ` (trial until ${u.trialEndsAt.slice(0, 10)})` : ''}${u.trialEnded ? ' — trial ended, waiting for a plan' : ''}, month ${u.period.month}`,
          '',
          table(
            ['', 'USED', 'LIMIT', 'LEFT', '%'],
            [
              ['webhooks', num(u.webhooks.used), num(u.webhooks.limit), num(u.webhooks.remaining), pct(u.webhooks.used, u.webhooks.limit)],
              ['transactions', num(u.transactions.used), num(u.transactions.limit), num(u.transactions.remaining), pct(u.transactions.used, u.transactions.limit)],
            ],
          ),
        ];
        process.stdout.write(lines.join('\n'));
        const byFlow = [...u.transactionsByFlow].sort((a, b) => b.transactions - a.transactions);
        if (byFlow.length > 0) {
          process.stdout.write('\nTransactions by flow:\n');
          process.stdout.write(table(['FLOW', 'SERVICE', 'TRANSACTIONS'], byFlow.map((f) => [names.get(f.flowId) ?? `(deleted) ${f.flowId}`, f.connector, num(f.transactions)])));
        }
        process.stdout.write(`\n${diskLines(u.storage).join('\n')}\nHistory kept ${u.history.keptDays} days. Everything: --json\n`);
      }),
    );
}

type Storage = { historyBytes: number; journalBytes: number; storeBytes: number; totalBytes: number; limitBytes: number | null; measuredAt: string | null };

/** Disk usage in Russian, then English: what is stored, against the plan's limit, as last measured. */
function diskLines(d: Storage): string[] {
  const when = d.measuredAt ? d.measuredAt.slice(0, 16).replace('T', ' ') + ' UTC' : null;
  const limit = d.limitBytes === null ? null : { ru: bytes(d.limitBytes, 'ru'), en: bytes(d.limitBytes, 'en'), pct: pct(d.historyBytes + d.journalBytes, d.limitBytes) };
  return [
    `Место на диске: история ${bytes(d.historyBytes, 'ru')}, журналы ${bytes(d.journalBytes, 'ru')}, хранилище ${bytes(d.storeBytes, 'ru')}; всего ${bytes(d.totalBytes, 'ru')}` +
      (limit ? `; лимит тарифа на историю и журналы ${limit.ru} (${limit.pct})` : '') +
      (when ? ` (измерено ${when})` : ' (ещё не измерялось)'),
    `Disk: history ${bytes(d.historyBytes, 'en')}, journals ${bytes(d.journalBytes, 'en')}, data store ${bytes(d.storeBytes, 'en')}; total ${bytes(d.totalBytes, 'en')}` +
      (limit ? `; the plan's limit for history and journals ${limit.en} (${limit.pct})` : '') +
      (when ? ` (measured ${when})` : ' (not measured yet)'),
  ];
}
