// `svyazka` — the command line. Commands other than serve/demo open the data dir directly, so
// they work whether or not a server is running; work they queue is picked up by the server.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { openServices, startApp } from '../app.ts';
import { hashPassword, hashSecret, newApiToken } from '../api/auth.ts';
import { executionView } from '../api/views.ts';
import { loadConfig } from '../config.ts';
import { isEmailAddress } from '../lib/email.ts';
import { catalogOf } from '../connectors/catalog.ts';
import { Flows } from '../engine/flows.ts';
import { FlowValidationError } from '../engine/validate-flow.ts';
import { createLogger } from '../logger.ts';
import type { Role } from '../store/types.ts';
import { describeFirstAdmin, ensureFirstAdmin } from './first-admin.ts';
import { calltouchCommand } from '../connectors/calltouch/cli.ts';
import { openConnectorContext } from '../engine/connector-context.ts';
import { suggestPlan } from '../plans/calculator.ts';
import { loadPlanCatalog } from '../plans/catalog.ts';
import { settingsSchema, type InstanceSettings } from '../plans/instance-settings.ts';
import { runSandbox, SANDBOX_HELP, type SandboxCliOptions } from './sandbox.ts';
import { dbCommand } from './db-copy.ts';
import { recipeCommand } from './recipes.ts';
import { storeCommand } from './store.ts';
import { recordCliChange } from '../engine/audit.ts';
import { auditView } from '../api/routes/audit.ts';
import { findFlow, pollingLoad, print, withServices, workspaceId } from './kit.ts';
import { registerExecutionCommands } from './executions.ts';
import { registerWebhookCommands } from './webhooks.ts';
import { registerFlowCommands } from './flows.ts';
import { registerConnectionCommands } from './connections.ts';
import { registerCircuitCommands } from './circuits.ts';
import { registerPlanUsageCommand } from './plan-usage.ts';
import { registerAlertsCommands } from './alerts.ts';

const ROLES = ['owner', 'editor', 'viewer'];


function role(value: string): Role {
  if (!ROLES.includes(value)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}


export function buildProgram(): Command {
  const program = new Command('svyazka')
    .description('Svyazka — self-hosted integration engine (RetailCRM, Calltouch, marketplaces, any HTTP service)')
    .showHelpAfterError();
  const ws = (cmd: Command) => cmd.option('-w, --workspace <slug>', 'workspace', 'default');

  program
    .command('serve')
    .description('Run the server: API, webhooks and workers (PORT, SVYAZKA_DATA_DIR, … from the environment)')
    .option('-p, --port <port>', 'port (default: PORT or 3000)')
    .option('--admin-email <email>', 'email of the admin created on first start (default: SVYAZKA_ADMIN_EMAIL or admin@localhost)')
    .action(async (opts: { port?: string; adminEmail?: string }) => {
      const config = loadConfig({
        ...process.env,
        ...(opts.port ? { PORT: opts.port } : {}),
        ...(opts.adminEmail !== undefined ? { SVYAZKA_ADMIN_EMAIL: opts.adminEmail } : {}),
      });
      const app = await startApp(config);
      // The web process, whose URL the admin opens, makes and shows the first admin; a worker does not race it.
      const admin = config.role === 'worker' ? null : await ensureFirstAdmin(app.services);
      if (admin) process.stdout.write(describeFirstAdmin(admin, app.services.config.publicUrl));
      const stop = async () => {
        await app.stop();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('migrate')
    .description('Apply database migrations and exit')
    .action(() => withServices(async () => void console.log('Database is up to date')));

  program
    .command('demo')
    .description('Run the server with demo targets and a demo workspace whose flows work end to end')
    .option('-p, --port <port>', 'port (default: PORT or 3000)')
    .action(async (opts: { port?: string }) => (await import('./demo.ts')).runDemo(opts.port));

  const user = program.command('user').description('Users who sign in to the web UI and API');
  ws(
    user
      .command('create')
      .description('Create a user and make them a member of the workspace (--no-member: the account only, e.g. for someone invited by email)')
      .requiredOption('--email <email>', 'email')
      .requiredOption('--password <password>', 'password, at least 8 characters')
      .option('--name <name>', 'display name')
      .option('--role <role>', 'owner | editor | viewer', 'owner')
      .option('--no-member', 'create the account only; they accept pending invitations after signing in'),
  ).action((opts: { email: string; password: string; name?: string; role: string; workspace: string; member: boolean }) =>
    withServices(async (s) => {
      if (!isEmailAddress(opts.email)) throw new Error(`--email must be an email address (name@host), got "${opts.email}"`);
      const wsId = opts.member ? await workspaceId(s, opts.workspace) : null;
      const existing = await s.store.getUserByEmail(opts.email);
      if (existing) throw new Error(`User ${opts.email} already exists`);
      const created = await s.store.createUser({ email: opts.email, name: opts.name ?? opts.email, passwordHash: await hashPassword(opts.password) });
      if (wsId) {
        await s.store.setMember(wsId, created.id, role(opts.role));
        await recordCliChange(s.store, { workspaceId: wsId, action: 'member.add', target: { type: 'user', id: created.id, name: created.email }, details: { role: opts.role, userCreated: true } });
      } else {
        await recordCliChange(s.store, { workspaceId: null, action: 'user.create', target: { type: 'user', id: created.id, name: created.email } });
      }
      // An instance with no operator yet (users made before the first `serve`): its first user becomes one.
      const operator = (await s.store.access.listOperators()).length === 0;
      if (operator) await s.store.access.addOperator(created.id, Date.now());
      print({ id: created.id, email: created.email, ...(wsId ? { workspace: opts.workspace, role: opts.role } : {}), ...(operator ? { operator } : {}) });
    }),
  );

  const operator = program.command('operator').description('Instance operators: they change plans and balances and see every workspace');
  operator
    .command('add')
    .description('Make an existing user an operator')
    .argument('<email>', 'email of the user')
    .action((email: string) =>
      withServices(async (s) => {
        const found = await s.store.getUserByEmail(email);
        if (!found) throw new Error(`No user ${email} (create one first: svyazka user create --email ${email} --password …)`);
        await s.store.access.addOperator(found.id, Date.now());
        await recordCliChange(s.store, { workspaceId: null, action: 'operator.add', target: { type: 'user', id: found.id, name: found.email } });
        print({ email: found.email, operator: true });
      }),
    );
  operator
    .command('remove')
    .description('Take the operator role from a user (never from the last operator)')
    .argument('<email>', 'email of the user')
    .action((email: string) =>
      withServices(async (s) => {
        const found = await s.store.getUserByEmail(email);
        if (!found) throw new Error(`No user ${email}`);
        const result = await s.store.access.removeOperator(found.id);
        if (result === 'not_operator') throw new Error(`${found.email} is not an operator`);
        if (result === 'last_operator') throw new Error(`${found.email} is the last operator; add another one first`);
        await recordCliChange(s.store, { workspaceId: null, action: 'operator.remove', target: { type: 'user', id: found.id, name: found.email } });
        print({ email: found.email, operator: false });
      }),
    );
  operator
    .command('list')
    .description('List the operators (email, name, since)')
    .option('--json', 'JSON output')
    .action((opts: { json?: boolean }) =>
      withServices(async (s) => {
        const items = await s.store.access.listOperators();
        if (opts.json) return print(items.map((o) => ({ ...o, since: new Date(o.since).toISOString() })));
        for (const o of items) process.stdout.write(`${o.email}\t${o.name}\t${new Date(o.since).toISOString()}\n`);
      }),
    );

  const settings = program
    .command('settings')
    .description('Instance settings: trialEnd (downgrade | wait), trialEndPlan (a plan id, or null: the cheapest), workspaceCreation (auto | anyone | operators)');
  settings
    .command('get')
    .description('Print the instance settings as JSON')
    .action(() => withServices(async (s) => print(await s.settings.get())));
  settings
    .command('set')
    .description('Change one setting, e.g. `svyazka settings set trialEnd wait`')
    .argument('<key>', 'trialEnd | trialEndPlan | workspaceCreation')
    .argument('<value>', 'its value (null for none)')
    .action((key: string, value: string) =>
      withServices(async (s) => {
        const keys = Object.keys(settingsSchema.shape) as Array<keyof InstanceSettings>;
        if (!keys.includes(key as keyof InstanceSettings)) throw new Error(`Unknown setting "${key}" (settings: ${keys.join(', ')})`);
        const parsed = settingsSchema.shape[key as keyof InstanceSettings].safeParse(value === 'null' ? null : value);
        if (!parsed.success) throw new Error(`${key}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
        const updated = await s.settings.update({ [key]: parsed.data });
        await recordCliChange(s.store, { workspaceId: null, action: 'operator.settings', target: { type: 'instance', id: 'settings' }, details: { changed: { [key]: parsed.data } } });
        print(updated);
      }),
    );

  const token = program.command('token').description('API tokens');
  ws(
    token
      .command('create')
      .description('Create an API token for the workspace; prints only the token')
      .option('--role <role>', 'owner | editor | viewer', 'owner')
      .option('--name <name>', 'what the token is for', 'cli'),
  ).action((opts: { role: string; name: string; workspace: string }) =>
    withServices(async (s) => {
      const wsId = await workspaceId(s, opts.workspace);
      const secret = newApiToken();
      const saved = await s.store.createApiToken({ workspaceId: wsId, userId: null, role: role(opts.role), name: opts.name, tokenHash: hashSecret(secret) });
      await recordCliChange(s.store, { workspaceId: wsId, action: 'token.create', target: { type: 'token', id: saved.id, name: saved.name }, details: { role: saved.role } });
      process.stdout.write(secret + '\n');
    }),
  );

  const flow = program.command('flow').description('Flows: import, export, list, show, enable, disable, delete');
  ws(flow.command('import').description('Create or update (by name) a flow from a JSON or YAML file; prints it as JSON').argument('<file>', 'flow file, - for stdin')).action(
    (file: string, opts: { workspace: string }) =>
      withServices(async (s) => {
        const text = readFileSync(file === '-' ? 0 : file, 'utf8');
        const wsId = await workspaceId(s, opts.workspace);
        const parsed = Flows.parseText(text);
        const name = (parsed as { name?: unknown } | null)?.name;
        const existed = typeof name === 'string' ? await s.store.getFlowByName(wsId, name) : undefined;
        const saved = await s.flows.save(wsId, parsed);
        await recordCliChange(s.store, { workspaceId: wsId, action: existed ? 'flow.update' : 'flow.create', target: { type: 'flow', id: saved.id, name: saved.name }, details: { version: saved.version, enabled: saved.enabled, imported: true } });
        print(s.flows.view(saved));
      }),
  );
  ws(flow.command('export').description('Print a flow JSON (by id or name)').argument('<flow>', 'id or name').option('-o, --output <file>', 'write to a file')).action(
    (idOrName: string, opts: { workspace: string; output?: string }) =>
      withServices(async (s) => {
        const found = await findFlow(s, await workspaceId(s, opts.workspace), idOrName);
        const text = JSON.stringify(found.definition, null, 2) + '\n';
        if (opts.output) writeFileSync(opts.output, text);
        else process.stdout.write(text);
      }),
  );
  registerFlowCommands(flow);

  const connection = program.command('connection').description('Connections to services (credentials are stored encrypted)');
  ws(
    connection
      .command('add')
      .description('Create or replace a connection')
      .requiredOption('--name <name>', 'name flows refer to')
      .requiredOption('--connector <key>', 'connector key, e.g. http, retailcrm')
      .option('--auth <json>', 'auth values as JSON, e.g. \'{"apiKey":"…"}\' (or - to read JSON from stdin)', '{}'),
  ).action((opts: { name: string; connector: string; auth: string; workspace: string }) =>
    withServices(async (s) => {
      let auth: unknown;
      try {
        auth = JSON.parse(opts.auth === '-' ? readFileSync(0, 'utf8') : opts.auth);
      } catch {
        throw new Error('--auth must be a JSON object');
      }
      if (!auth || typeof auth !== 'object' || Array.isArray(auth)) throw new Error('--auth must be a JSON object');
      const wsId = await workspaceId(s, opts.workspace);
      const existed = await s.store.getConnectionByName(wsId, opts.name);
      const saved = await s.connections.save(wsId, { name: opts.name, connector: opts.connector, auth: auth as Record<string, unknown> });
      await recordCliChange(s.store, { workspaceId: wsId, action: existed ? 'connection.update' : 'connection.create', target: { type: 'connection', id: saved.id, name: saved.name }, details: { connector: saved.connector, authFields: Object.keys(auth as object) } });
      print({ id: saved.id, name: saved.name, connector: saved.connector, config: saved.publicConfig });
    }),
  );
  ws(connection.command('test').description('Test a connection against its service').argument('<name>', 'connection name')).action(
    (name: string, opts: { workspace: string }) =>
      withServices(async (s) => {
        const found = await s.store.getConnectionByName(await workspaceId(s, opts.workspace), name);
        if (!found) throw new Error(`No connection named "${name}"`);
        const result = await s.connections.test(found, s.limiter, s.logger);
        print(result);
        if (!result.ok) process.exitCode = 1;
      }),
  );
  registerConnectionCommands(connection);
  registerCircuitCommands(connection);

  const variable = program
    .command('var')
    .description('Workspace variables for templates, {{vars.NAME}} (stored encrypted; secret ones are never shown again)');
  ws(variable.command('list').description('List variables (secret values show as "set")').option('--json', 'JSON output')).action(
    (opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const items = await s.variables.list(await workspaceId(s, opts.workspace));
        if (opts.json) return print(items);
        if (items.length === 0) return console.log('No variables yet: svyazka var set NAME --secret  (the value is read from stdin)');
        for (const v of items) console.log(`${v.name}  ${v.secret ? 'secret  (set)' : `plain   ${JSON.stringify(v.value)}`}`);
      }),
  );
  ws(
    variable
      .command('set')
      .description('Create or replace a variable; without VALUE (or with -) the value is read from stdin, which keeps secrets out of shell history and ps')
      .argument('<name>', 'letters, digits and _, e.g. API_KEY')
      .argument('[value]', 'the value; omit it or give - to read stdin (one trailing newline is dropped)')
      .option('--secret', 'a secret: never shown again, masked in journals and logs')
      .option('--no-secret', 'a plain value, shown in the UI and API')
      .addHelpText('after', '\nExamples:\n  printf %s "$TOKEN" | svyazka var set API_KEY --secret\n  svyazka var set SHOP_URL https://shop.example.ru\nWithout --secret / --no-secret an existing variable keeps its kind; a new one is plain.'),
  ).action((name: string, value: string | undefined, opts: { workspace: string; secret?: boolean }) =>
    withServices(async (s) => {
      const wsId = await workspaceId(s, opts.workspace);
      let text = value;
      if (text === undefined || text === '-') {
        if (process.stdin.isTTY) process.stderr.write(`Value of ${name} (end with Ctrl-D): `);
        text = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      }
      const existing = (await s.variables.list(wsId)).find((v) => v.name === name);
      const saved = await s.variables.set(wsId, name, { value: text, secret: opts.secret ?? existing?.secret ?? false });
      await recordCliChange(s.store, { workspaceId: wsId, action: existing ? 'variable.update' : 'variable.create', target: { type: 'variable', id: name, name }, details: { kind: (opts.secret ?? existing?.secret ?? false) ? 'secret' : 'plain' } });
      print(saved);
    }),
  );
  ws(variable.command('delete').description('Delete a variable').argument('<name>', 'variable name')).action((name: string, opts: { workspace: string }) =>
    withServices(async (s) => {
      const wsId = await workspaceId(s, opts.workspace);
      if (!(await s.variables.delete(wsId, name))) throw new Error(`No variable named "${name}"`);
      await recordCliChange(s.store, { workspaceId: wsId, action: 'variable.delete', target: { type: 'variable', id: name, name } });
      print({ ok: true, name });
    }),
  );

  const webhook = program.command('webhook').description('Webhook history: list, show, replay');
  registerWebhookCommands(webhook);
  ws(webhook.command('replay').description('Run a stored webhook through its flow again (the server runs it)').argument('<id>', 'webhook id')).action(
    (id: string, opts: { workspace: string }) =>
      withServices(async (s) => print(executionView(await s.runs.replay(await workspaceId(s, opts.workspace), id)))),
  );
  const execution = program.command('execution').description('Executions: list, show, retry');
  registerExecutionCommands(execution);
  ws(execution.command('retry').description('Queue a failed execution again from its failed step (the server runs it)').argument('<id>', 'execution id')).action(
    (id: string, opts: { workspace: string }) =>
      withServices(async (s) => print(executionView(await s.runs.retry(await workspaceId(s, opts.workspace), id)))),
  );

  program
    .command('catalog')
    .description("Connectors' events, actions and fields")
    .argument('[connector]', 'one connector key')
    .option('--json', 'JSON output (the API shape)')
    .action(async (key: string | undefined, opts: { json?: boolean }) => {
      const { builtinConnectors } = await import('../connectors/index.ts');
      const registry = builtinConnectors();
      const list = key ? [registry.get(key)] : registry.list();
      if (list[0] === undefined) throw new Error(`Unknown connector "${key}"; known: ${registry.list().map((c) => c.key).join(', ')}`);
      const catalogs = list.map((c) => catalogOf(c!));
      if (opts.json) return print(key ? catalogs[0] : catalogs);
      for (const c of catalogs) {
        console.log(`${c.connector} — ${c.label}`);
        for (const e of c.events) console.log(`  event  ${e.id} — ${e.label} (${e.fields.length} fields)`);
        for (const a of c.actions) console.log(`  action ${a.id} — ${a.label} (${a.input.length} in, ${a.output.length} out)`);
      }
    });

  const plan = program.command('plan').description('Plans and usage');
  plan
    .command('suggest')
    .description('The cheapest plan for your orders (and webhooks) a month, with the arithmetic')
    .requiredOption('--orders <n>', 'orders (deals, requests) a month')
    .option('--webhooks <n>', 'incoming webhooks a month (default: up to 5 × transactions)')
    .option('-w, --workspace <slug>', "count this workspace's enabled polling flows (each poll is a transaction)", 'default')
    .option('--no-polling', 'leave polling flows out (also when there is no data dir yet)')
    .option('--json', 'JSON output')
    .action(async (opts: { orders: string; webhooks?: string; workspace: string; polling: boolean; json?: boolean }) => {
      const config = loadConfig();
      const orders = Number(opts.orders);
      const webhooks = opts.webhooks === undefined ? undefined : Number(opts.webhooks);
      if (!Number.isSafeInteger(orders) || orders < 0) throw new Error('--orders must be a whole number ≥ 0');
      if (webhooks !== undefined && (!Number.isSafeInteger(webhooks) || webhooks < 0)) throw new Error('--webhooks must be a whole number ≥ 0');
      const hasData = config.databaseUrl !== undefined || existsSync(join(config.dataDir, 'svyazka.db'));
      const polling = opts.polling && hasData ? await withServices(async (s) => pollingLoad(s, await workspaceId(s, opts.workspace))) : undefined;
      const result = suggestPlan(loadPlanCatalog(config.plansFile), { orders, webhooks, polling });
      if (opts.json) return print(result);
      for (const step of result.steps) console.log(step);
    });
  ws(plan.command('set').description("Operator's tool: put the workspace on a plan (effective at once; ends a trial)").argument('<planId>', 'plan id, see GET /api/v1/plans')).action(
    (planId: string, opts: { workspace: string }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        await s.plans.prepare(wsId);
        const from = s.plans.planOf(wsId).id;
        const plan = await s.plans.changePlan(wsId, planId);
        await recordCliChange(s.store, { workspaceId: wsId, action: 'plan.change', target: { type: 'plan', id: planId, name: planId }, details: { from, to: planId } });
        print({ workspace: opts.workspace, plan });
      }),
  );
  registerPlanUsageCommand(plan);
  registerAlertsCommands(program);

  const audit = program.command('audit').description('The audit log: who changed what and when');
  ws(
    audit
      .command('list')
      .description("The workspace's audit log, newest first")
      .option('--action <prefix>', 'only these actions, e.g. flow or connection.delete')
      .option('--limit <n>', 'how many entries', '50')
      .option('--before <id>', 'entries older than this one (paging)')
      .option('--json', 'JSON output (the API shape)'),
  ).action((opts: { workspace: string; action?: string; limit: string; before?: string; json?: boolean }) =>
    withServices(async (s) => {
      const limit = Number(opts.limit);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw new Error('--limit must be a whole number from 1 to 500');
      const page = await s.store.audit.list({ workspaceIds: [await workspaceId(s, opts.workspace)], actionPrefix: opts.action, before: opts.before, limit });
      const items = page.items.map((e) => auditView(e));
      if (opts.json) return print({ items, next: page.next });
      if (items.length === 0) return console.log('No audit entries');
      for (const e of items) {
        const who = e.actor.label ? `${e.actor.id} (${e.actor.label})` : e.actor.id;
        console.log(`${e.at}  ${who}  ${e.action}  ${e.target.type}${e.target.name ? ` «${e.target.name}»` : ''}${e.target.id ? ` ${e.target.id}` : ''}${Object.keys(e.details).length ? `  ${JSON.stringify(e.details)}` : ''}`);
      }
      if (page.next) console.log(`more: --before ${page.next}`);
    }),
  );

  program
    .command('sandbox')
    .description("Run a connector's sandbox (a fake of its service) in the foreground")
    .argument('<connector>', 'connector key')
    .option('-p, --port <port>', 'port (default: any free)')
    .option('--seed <n>', 'random seed for the seeded data (same seed, same data)')
    .option('--records <n>', 'how many records to seed')
    .option('--days <n>', 'how far back the seeded data goes, days')
    .option('--hook <url>', "retailcrm: send RetailCRM's trigger webhook to this URL on every order created or changed")
    .addHelpText('after', SANDBOX_HELP)
    .action((key: string, opts: SandboxCliOptions) => runSandbox(key, opts));

  // `svyazka recipe list|run`: the recipes of examples/ run against the sandboxes.
  program.addCommand(recipeCommand());

  // `svyazka db copy --to postgres://…`: a SQLite install into an empty PostgreSQL database.
  program.addCommand(dbCommand());

  // `svyazka store list|get|set|delete|export`: the workspace data store (store steps' collections).
  program.addCommand(storeCommand());

  // `svyazka calltouch export`: the deal journal to CSV / NDJSON through a workspace's connection.
  program.addCommand(
    calltouchCommand(async (workspace, name) => {
      const s = await openServices(loadConfig(), { logger: createLogger({ level: 'warn' }) });
      try {
        const ws = await workspaceId(s, workspace);
        const conn = await s.connections.open(ws, name, 'calltouch');
        // An export for the operator from the user's own account: not metered, no deadline.
        const context = openConnectorContext(s, { workspaceId: ws, connector: conn.connector, connection: conn, metering: { kind: 'unmetered', why: 'cli' } });
        return { auth: context.auth, logger: s.logger, close: () => s.store.close(), http: context.http };
      } catch (error) {
        await s.store.close();
        throw error;
      }
    }),
  );
  return program;
}


export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof FlowValidationError) {
      console.error('error: the flow is not valid:');
      for (const issue of error.issues) console.error(`  - ${issue.path}: ${issue.message}`);
    } else {
      console.error(`error: ${(error as Error).message}`);
    }
    process.exit(1);
  }
}

await main(process.argv);
