// `svyazka connection list|delete`: connections with the flows that use them (credentials never
// shown); a delete is refused while a flow still names the connection, as in the API.
import type { Command } from 'commander';
import { connectionView } from '../api/views.ts';
import { recordCliChange } from '../engine/audit.ts';
import { flowsUsing } from '../engine/connections.ts';
import { print, table, when, withServices, workspaceId } from './kit.ts';

export function registerConnectionCommands(connection: Command): void {
  connection
    .command('list')
    .description('List connections: name, service, the flows that use each')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (the API shape; credentials are never included)')
    .action((opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const flows = await s.store.listFlows(wsId);
        const items = (await s.store.listConnections(wsId)).map((c) => connectionView(c, flowsUsing(flows, c.name), s.connections.secretsSet(c)));
        if (opts.json) return print({ items });
        if (items.length === 0) return void process.stdout.write('Подключений нет / No connections yet: svyazka connection add --name … --connector …\n');
        process.stdout.write(table(['NAME', 'SERVICE', 'UPDATED', 'ID', 'USED BY'], items.map((c) => [c.name, c.connector, when(c.updatedAt), c.id, c.usedBy.map((f) => `«${f.name}»`).join(', ') || null])));
      }),
    );
  connection
    .command('delete')
    .description('Delete a connection (refused while flows use it)')
    .argument('<name>', 'connection name')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output')
    .action((name: string, opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const found = await s.store.getConnectionByName(wsId, name);
        if (!found) throw new Error(`No connection named "${name}"`);
        const users = flowsUsing(await s.store.listFlows(wsId), found.name);
        if (users.length > 0) {
          const list = users.map((f) => `«${f.name}»`).join(', ');
          throw new Error(`Подключение используется в связках: ${list} / Used by flows: ${list}`);
        }
        if (!(await s.store.deleteConnection(wsId, found.id))) throw new Error(`No connection named "${name}"`);
        await recordCliChange(s.store, { workspaceId: wsId, action: 'connection.delete', target: { type: 'connection', id: found.id, name: found.name }, details: { connector: found.connector } });
        if (opts.json) return print({ ok: true, id: found.id, name: found.name });
        process.stdout.write(`«${found.name}» удалено / deleted\n`);
      }),
    );
}
