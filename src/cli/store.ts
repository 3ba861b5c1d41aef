// `svyazka store list|get|set|delete|export`: the workspace data store from the command line. It
// opens the data dir directly (like every command but serve), so it works with or without a server.
import { createWriteStream, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { openServices, type Services } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { recordCliChange } from '../engine/audit.ts';
import { storeLimitsOf } from '../plans/catalog.ts';
import { checkAddress, exportRecords } from '../store/collections.ts';
import { recordView } from '../api/routes/collections.ts';

async function withWorkspace<T>(slug: string, fn: (s: Services, workspaceId: string) => Promise<T>): Promise<T> {
  const s = await openServices(loadConfig(), { logger: createLogger({ level: 'warn' }) });
  try {
    const ws = await s.store.getWorkspaceBySlug(slug);
    if (!ws) throw new Error(`No workspace "${slug}"`);
    return await fn(s, ws.id);
  } finally {
    await s.store.close();
  }
}

/** Strings and numbers as they are (for scripts: `$(svyazka store get deals 100A)`), anything else as JSON. */
function printValue(value: unknown): void {
  process.stdout.write(`${typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}\n`);
}

/** A value given on the command line: JSON when it parses as JSON, else the text itself. */
function parseValue(text: string, asString: boolean): unknown {
  if (asString) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function storeCommand(): Command {
  const store = new Command('store').description('The workspace data store: collections of key → JSON value that store steps read and write (docs/store.md)');
  const ws = (cmd: Command) => cmd.option('-w, --workspace <slug>', 'workspace', 'default');

  ws(
    store
      .command('list')
      .description('Without a collection: the collections and how many records each holds; with one: its records in key order')
      .argument('[collection]', 'collection name')
      .option('--prefix <prefix>', 'only keys starting with this')
      .option('--after <key>', 'start after this key (the "next" of the previous page)')
      .option('--limit <n>', 'records per page (1-1000)', '100')
      .option('--json', 'JSON output'),
  ).action((collection: string | undefined, opts: { workspace: string; prefix?: string; after?: string; limit: string; json?: boolean }) =>
    withWorkspace(opts.workspace, async (s, workspaceId) => {
      const now = Date.now();
      if (!collection) {
        await s.plans.prepare(workspaceId);
        const items = await s.store.collections.listCollections(workspaceId, now);
        const usage = await s.store.collections.usage(workspaceId);
        if (opts.json) return printValue({ items, usage, limits: storeLimitsOf(s.plans.planOf(workspaceId)) });
        if (items.length === 0) return console.log('No collections yet: a store step or `svyazka store set COLLECTION KEY VALUE` makes one');
        for (const c of items) console.log(`${c.name}\t${c.records}`);
        return;
      }
      const limit = Math.min(1000, Math.max(1, Number(opts.limit) || 100));
      const page = await s.store.collections.list(workspaceId, collection, { prefix: opts.prefix, after: opts.after, limit }, now);
      if (opts.json) return printValue({ items: page.items.map(recordView), next: page.next });
      for (const r of page.items) console.log(`${r.key}\t${JSON.stringify(r.value)}`);
      if (page.next) console.log(`more: --after ${page.next}`);
    }),
  );

  ws(store.command('get').description('Print the value of a record (strings and numbers as they are, anything else as JSON)').argument('<collection>').argument('<key>').option('--json', 'the whole record as JSON')).action(
    (collection: string, key: string, opts: { workspace: string; json?: boolean }) =>
      withWorkspace(opts.workspace, async (s, workspaceId) => {
        const found = await s.store.collections.get(workspaceId, collection, checkAddress(collection, key), Date.now());
        if (!found) throw new Error(`No record "${key}" in collection "${collection}" / Нет записи`);
        if (opts.json) printValue(recordView(found));
        else printValue(found.value);
      }),
  );

  ws(
    store
      .command('set')
      .description('Create or replace a record; VALUE is JSON when it parses as JSON, else text; without VALUE (or with -) it is read from stdin')
      .argument('<collection>')
      .argument('<key>')
      .argument('[value]')
      .option('--ttl <seconds>', 'expire after this many seconds')
      .option('--string', 'store VALUE as text even when it looks like JSON')
      .addHelpText('after', '\nExamples:\n  svyazka store set deals 100A \'{"dealId": 42}\'\n  svyazka store set seen 100A true --ttl 86400\n  cat value.json | svyazka store set deals 100A'),
  ).action((collection: string, key: string, value: string | undefined, opts: { workspace: string; ttl?: string; string?: boolean }) =>
    withWorkspace(opts.workspace, async (s, workspaceId) => {
      checkAddress(collection, key);
      const text = value === undefined || value === '-' ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : value;
      const ttlSeconds = opts.ttl === undefined ? undefined : Number(opts.ttl);
      if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)) throw new Error('--ttl: whole seconds, at least 1');
      await s.plans.prepare(workspaceId);
      const now = Date.now();
      await s.store.collections.write({ workspaceId, collection, key, write: { op: 'set', value: parseValue(text, opts.string === true), ttlSeconds }, now, limits: storeLimitsOf(s.plans.planOf(workspaceId)) });
      await recordCliChange(s.store, { workspaceId, action: 'store_record.put', target: { type: 'store_record', id: `${collection}/${key}`, name: key }, details: { collection, ttlSeconds: ttlSeconds ?? null } });
      printValue(recordView((await s.store.collections.get(workspaceId, collection, key, now))!));
    }),
  );

  ws(store.command('delete').description('Delete a record').argument('<collection>').argument('<key>')).action((collection: string, key: string, opts: { workspace: string }) =>
    withWorkspace(opts.workspace, async (s, workspaceId) => {
      checkAddress(collection, key);
      const { output } = await s.store.collections.write({ workspaceId, collection, key, write: { op: 'delete' }, now: Date.now(), limits: { records: null, bytes: null } });
      if (!(output as { deleted: boolean }).deleted) throw new Error(`No record "${key}" in collection "${collection}" / Нет записи`);
      await recordCliChange(s.store, { workspaceId, action: 'store_record.delete', target: { type: 'store_record', id: `${collection}/${key}`, name: key }, details: { collection } });
      printValue({ ok: true, collection, key });
    }),
  );

  ws(store.command('export').description('Every live record of a collection as NDJSON, in key order').argument('<collection>').option('--prefix <prefix>', 'only keys starting with this').option('-o, --output <file>', 'write to a file')).action(
    (collection: string, opts: { workspace: string; prefix?: string; output?: string }) =>
      withWorkspace(opts.workspace, async (s, workspaceId) => {
        const out: NodeJS.WritableStream = opts.output ? createWriteStream(opts.output) : process.stdout;
        let n = 0;
        for await (const r of exportRecords(s.store.collections, workspaceId, collection, Date.now(), { prefix: opts.prefix })) {
          if (!out.write(`${JSON.stringify(recordView(r))}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          n++;
        }
        if (opts.output) {
          await new Promise<void>((resolve) => out.end(() => resolve()));
          process.stderr.write(`${n} records → ${opts.output}\n`);
        }
      }),
  );
  return store;
}
