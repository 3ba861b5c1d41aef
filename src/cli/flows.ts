// `svyazka flow list|show|enable|disable|delete`: flows by name (or id) for people, --json for
// scripts. Changes go through the same engine calls as the API and are audited as the CLI's; the
// running server sees them through the change feed within about a second.
import type { Command } from 'commander';
import { recordCliChange } from '../engine/audit.ts';
import type { FlowDefinition } from '../engine/flow-schema.ts';
import { findFlow, print, table, when, withServices, workspaceId } from './kit.ts';

const DAY_MS = 86_400_000;

function trigger(def: FlowDefinition): string {
  return `${def.trigger.connector}/${def.trigger.event}${def.trigger.connection ? ` (${def.trigger.connection})` : ''}`;
}

export function registerFlowCommands(flow: Command): void {
  flow
    .command('list')
    .description('List flows: name, on/off, trigger, runs and errors in the last 24 h, last run')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (as GET /api/v1/flows/{id}, with webhookUrl)')
    .action((opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const flows = (await s.store.listFlows(wsId)).map((f) => s.flows.view(f));
        if (opts.json) return print(flows);
        if (flows.length === 0) return void process.stdout.write('Связок нет / No flows yet: svyazka flow import FILE\n');
        const now = Date.now();
        const stats = await s.store.flowStats(wsId, flows.map((f) => f.id), now - DAY_MS, new Date(now).toISOString().slice(0, 7));
        process.stdout.write(
          table(
            ['NAME', 'ON', 'TRIGGER', 'VER', 'RUNS 24H', 'ERRORS 24H', 'LAST RUN', 'ID'],
            flows.map((f) => {
              const st = stats.get(f.id);
              const last = st?.lastExecution;
              return [f.name, f.enabled ? 'on' : 'off', trigger(f.definition), f.version, st?.executionsToday ?? 0, st?.errorsToday ?? 0, last ? `${when(last.at)} ${last.status}` : null, f.id];
            }),
          ),
        );
      }),
    );
  flow
    .command('show')
    .description('One flow: trigger, webhook URL, steps; --json for the full view with the definition')
    .argument('<flow>', 'name or id')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (as GET /api/v1/flows/{id})')
    .action((idOrName: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const found = await findFlow(s, await workspaceId(s, opts.workspace), idOrName);
        const view = s.flows.view(found);
        const pollState = await s.flows.pollState(found);
        if (opts.json) return print({ ...view, pollState });
        const def = view.definition;
        const estimate = view.pollEstimate;
        const skipped = pollState?.stats.skippedOwnChanges;
        const lines = [
          `Flow «${view.name}» (${view.id})`,
          `  state     ${view.enabled ? 'on' : 'off'}, version ${view.version}, updated ${when(view.updatedAt)}`,
          `  trigger   ${trigger(def)}`,
          ...(view.webhookUrl ? [`  webhook   ${view.webhookUrl}`] : []),
          ...(estimate
            ? [
                `  polling   every ${estimate.intervalSeconds} s: ${estimate.pollsPerMonth} polls, ≥ ${estimate.transactionsPerMonth} transactions a month (lower bound)`,
                `            ${estimate.note.ru}`,
              ]
            : []),
          ...(pollState ? [`  polled    ${pollState.lastPollAt ? when(pollState.lastPollAt) : 'not yet'}${skipped ? `; own changes skipped so far: ${skipped} (skipOwnChanges)` : ''}`] : []),
          ...(pollState?.lastError ? [`  failing   the last poll failed: ${pollState.lastError}`] : []),
          '',
        ];
        process.stdout.write(lines.join('\n') + '\n');
        const steps = def.steps as Array<Record<string, unknown>>;
        if (steps.length === 0) return void process.stdout.write('No steps\n');
        process.stdout.write(
          table(
            ['#', 'STEP', 'TYPE', 'WHAT'],
            steps.map((st, i) => [i, String(st.id), String(st.type), st.type === 'action' ? `${st.connector}.${st.action}${st.connection ? ` (${st.connection})` : ''}` : null]),
          ),
        );
      }),
    );
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    flow
      .command(name)
      .description(enabled ? 'Turn a flow on' : 'Turn a flow off (webhooks to it are kept as no_enabled_flow, polls stop)')
      .argument('<flow>', 'name or id')
      .option('-w, --workspace <slug>', 'workspace', 'default')
      .option('--json', 'JSON output (the flow)')
      .action((idOrName: string, opts: { workspace: string; json?: boolean }) =>
        withServices(async (s) => {
          const wsId = await workspaceId(s, opts.workspace);
          const found = await findFlow(s, wsId, idOrName);
          const saved = await s.flows.setEnabled(wsId, found.id, enabled);
          if (!saved) throw new Error(`No flow with id or name "${idOrName}"`);
          await recordCliChange(s.store, { workspaceId: wsId, action: `flow.${name}`, target: { type: 'flow', id: saved.id, name: saved.name } });
          if (opts.json) return print(s.flows.view(saved));
          process.stdout.write(`«${saved.name}» ${enabled ? 'включена / on' : 'выключена / off'}\n`);
        }),
      );
  }
  flow
    .command('delete')
    .description('Delete a flow (its webhook and execution history stay until pruned)')
    .argument('<flow>', 'name or id')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output')
    .action((idOrName: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const found = await findFlow(s, wsId, idOrName);
        if (!(await s.flows.remove(wsId, found.id))) throw new Error(`No flow with id or name "${idOrName}"`);
        await recordCliChange(s.store, { workspaceId: wsId, action: 'flow.delete', target: { type: 'flow', id: found.id, name: found.name } });
        if (opts.json) return print({ ok: true, id: found.id, name: found.name });
        process.stdout.write(`«${found.name}» удалена / deleted\n`);
      }),
    );
}
