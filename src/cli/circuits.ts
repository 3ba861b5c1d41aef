// `svyazka connection health|retry-now|fail-waiting`: whether each connection's service is up
// (ok, degraded while probed or draining, down), since when and how many executions wait for it;
// closing its circuit by hand, or failing the waiting executions. A running server hears a close
// within a second (it reads the circuits from the store) and drains the waiters at the service's rate.
import type { Command } from 'commander';
import { openServices, type Services } from '../app.ts';
import { loadConfig } from '../config.ts';
import { recordCliChange } from '../engine/audit.ts';
import { connectionsHealth, failWaiting, retryNow, type ConnectionHealth } from '../engine/circuits.ts';
import { createLogger } from '../logger.ts';

const WORDS: Record<ConnectionHealth['health'], string> = {
  ok: 'работает / ok',
  degraded: 'восстанавливается / degraded',
  down: 'недоступен / down',
};

async function withServices<T>(fn: (s: Services) => Promise<T>): Promise<T> {
  const s = await openServices(loadConfig(), { logger: createLogger({ level: 'warn' }) });
  try {
    return await fn(s);
  } finally {
    await s.store.close();
  }
}

async function connectionNamed(s: Services, slug: string, name: string) {
  const ws = await s.store.getWorkspaceBySlug(slug);
  if (!ws) throw new Error(`No workspace "${slug}"`);
  const found = await s.store.getConnectionByName(ws.id, name);
  if (!found) throw new Error(`No connection named "${name}"`);
  return found;
}

function line(name: string, h: ConnectionHealth): string {
  const parts = [`${name}: ${WORDS[h.health]}`];
  if (h.since) parts.push(`с / since ${h.since}`);
  if (h.waiting > 0 || h.health !== 'ok') parts.push(`ждут / waiting ${h.waiting}`);
  if (h.nextProbeAt) parts.push(`проверка / next probe ${h.nextProbeAt}`);
  if (h.reason) parts.push(h.reason);
  return parts.join('  ') + '\n';
}

export function registerCircuitCommands(connection: Command): void {
  connection
    .command('health')
    .description("Whether each connection's service is up: ok | degraded | down, since when, executions waiting for it")
    .argument('[name]', 'one connection (all when left out)')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output')
    .action((name: string | undefined, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const ws = await s.store.getWorkspaceBySlug(opts.workspace);
        if (!ws) throw new Error(`No workspace "${opts.workspace}"`);
        const all = await s.store.listConnections(ws.id);
        const chosen = name === undefined ? all : all.filter((c) => c.name === name);
        if (name !== undefined && chosen.length === 0) throw new Error(`No connection named "${name}"`);
        const health = await connectionsHealth(s.store.circuits, ws.id, chosen.map((c) => c.id));
        const items = chosen.map((c) => ({ id: c.id, name: c.name, connector: c.connector, ...health.get(c.id)! }));
        if (opts.json) return void process.stdout.write(JSON.stringify(name === undefined ? { items } : items[0], null, 2) + '\n');
        for (const item of items) process.stdout.write(line(item.name, item));
      }),
    );
  connection
    .command('retry-now')
    .description('Treat the service as back (close its circuit): the waiting executions go on at its rate limit')
    .argument('<name>', 'connection name')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output')
    .action((name: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const c = await connectionNamed(s, opts.workspace, name);
        const h = await retryNow(s.circuits, s.store.circuits, c.workspaceId, c.id);
        await recordCliChange(s.store, { workspaceId: c.workspaceId, action: 'connection.circuit_close', target: { type: 'connection', id: c.id, name: c.name }, details: {} });
        if (opts.json) return void process.stdout.write(JSON.stringify({ id: c.id, name: c.name, ...h }, null, 2) + '\n');
        process.stdout.write(line(c.name, h));
      }),
    );
  connection
    .command('fail-waiting')
    .description('Fail the executions waiting for this service (retry them later with svyazka execution retry)')
    .argument('<name>', 'connection name')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output')
    .action((name: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const c = await connectionNamed(s, opts.workspace, name);
        const failed = await failWaiting(s.store.circuits, c.id);
        await recordCliChange(s.store, { workspaceId: c.workspaceId, action: 'connection.circuit_fail_waiting', target: { type: 'connection', id: c.id, name: c.name }, details: { failed } });
        if (opts.json) return void process.stdout.write(JSON.stringify({ id: c.id, name: c.name, failed }, null, 2) + '\n');
        process.stdout.write(`${c.name}: ${failed} — остановлены / failed\n`);
      }),
    );
}
