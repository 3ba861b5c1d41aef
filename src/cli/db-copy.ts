// `svyazka db copy --to postgres://…`: moves a SQLite install (the data dir's svyazka.db) into an
// empty PostgreSQL database, for the move to distributed mode. Both get the same migrations first,
// so their tables and columns match; every table of the schema (TABLES, which the typecheck keeps
// complete) is copied in batches, parents first, in one transaction — a failed copy leaves the
// target empty — then every table's rows are counted on both sides.
//
// The master key stays in the data dir (secret.key, or SVYAZKA_SECRET_KEY): connections and
// variables are copied sealed, so the processes on PostgreSQL need that same key.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { TABLES } from '../store/schema.ts';
import { unpackText } from '../store/compression.ts';
import type { PostgresStore } from '../store/postgres/postgres-store.ts';
import type { Queries } from '../store/postgres/database.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';

/** Parameters per INSERT stay under PostgreSQL's 65,535; rows per batch under this. */
const MAX_PARAMS = 60_000;
const MAX_ROWS = 1000;

export interface TableCount {
  table: string;
  sqlite: number;
  postgres: number;
}

export class CopyRefused extends Error {}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Copies and verifies; resolves to the per-table counts (throws when any differ). */
export async function copySqliteToPostgres(opts: { sqlitePath: string; targetUrl: string; progress?: (line: string) => void }): Promise<TableCount[]> {
  const progress = opts.progress ?? (() => undefined);
  if (!existsSync(opts.sqlitePath)) throw new CopyRefused(`No SQLite database at ${opts.sqlitePath} (Нет базы SQLite: проверьте SVYAZKA_DATA_DIR)`);
  // The source gets the migrations a start would give it, so both schemas are the newest.
  const sqliteStore = new SqliteStore(opts.sqlitePath);
  await sqliteStore.migrate();
  await sqliteStore.close();
  // Loaded here: every other command (serve among them) goes without the PostgreSQL store.
  const { PostgresStore } = await import('../store/postgres/postgres-store.ts');
  const target = new PostgresStore(opts.targetUrl, { max: 2 });
  const source = new DatabaseSync(opts.sqlitePath, { readOnly: true });
  try {
    await target.migrate();
    await refuseUnlisted(source);
    await refuseNonEmpty(target);
    await target.db.transaction(async (tx) => {
      for (const table of TABLES) {
        const copied = await copyTable(source, tx, table);
        progress(`${table}: ${copied}`);
      }
      await continueSequence(source, tx);
    });
    const counts: TableCount[] = [];
    for (const table of TABLES) {
      const sqlite = Number((source.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n);
      const postgres = Number((await target.db.read.allSql<{ n: number }>(`SELECT count(*) AS n FROM ${quote(table)}`, []))[0].n);
      counts.push({ table, sqlite, postgres });
    }
    const wrong = counts.filter((c) => c.sqlite !== c.postgres);
    if (wrong.length > 0) throw new Error(`Row counts differ after the copy: ${wrong.map((c) => `${c.table} ${c.sqlite} ≠ ${c.postgres}`).join(', ')}`);
    return counts;
  } finally {
    source.close();
    await target.close();
  }
}

/** A table in the SQLite file that the schema does not list would be left behind: refuse instead. */
async function refuseUnlisted(source: DatabaseSync): Promise<void> {
  const tables = (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'").all() as Array<{ name: string }>).map((r) => r.name);
  const listed = new Set<string>(TABLES);
  const unknown = tables.filter((t) => !listed.has(t));
  if (unknown.length > 0) throw new CopyRefused(`The SQLite database has tables this version does not know: ${unknown.join(', ')}; copy with the version that made them`);
}

async function refuseNonEmpty(target: PostgresStore): Promise<void> {
  for (const table of TABLES) {
    const rows = await target.db.read.allSql(`SELECT 1 FROM ${quote(table)} LIMIT 1`, []);
    if (rows.length > 0) {
      throw new CopyRefused(
        `The target database is not empty (table ${table} has rows); db copy only fills an empty database — create a new one (CREATE DATABASE …) and give its URL. ` +
          `(Целевая база не пуста: копирование выполняется только в пустую базу.)`,
      );
    }
  }
}

async function copyTable(source: DatabaseSync, tx: Queries, table: string): Promise<number> {
  const columns = (source.prepare(`PRAGMA table_info(${quote(table)})`).all() as Array<{ name: string }>).map((c) => c.name);
  const targetColumns = await tx.allSql<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", [table]);
  const missing = columns.filter((c) => !targetColumns.some((t) => t.column_name === c));
  if (missing.length > 0) throw new Error(`PostgreSQL table ${table} lacks columns ${missing.join(', ')}: the schemas differ`);
  // The change feed's triggers fired while the tables it watches were filled: the source's own
  // rows replace theirs.
  if (table === 'change_feed') await tx.runSql('DELETE FROM change_feed', []);
  const perBatch = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  const list = columns.map(quote).join(', ');
  const read = source.prepare(`SELECT rowid AS "__rowid", ${list} FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`);
  let after = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  for (;;) {
    const rows = read.all(after, perBatch) as Array<Record<string, unknown>>;
    if (rows.length === 0) break;
    const params: Array<string | number | null | Uint8Array> = [];
    const tuples = rows.map((row, r) => {
      for (const c of columns) params.push(portable(table, c, row[c]));
      return `(${columns.map((_, i) => `$${r * columns.length + i + 1}`).join(',')})`;
    });
    await tx.runSql(`INSERT INTO ${quote(table)} (${list}) VALUES ${tuples.join(',')}`, params);
    copied += rows.length;
    after = Number(rows[rows.length - 1].__rowid);
    if (rows.length < perBatch) break;
  }
  return copied;
}

/** SQLite keeps long journal entries as packed bytes in a text column; PostgreSQL gets the text. */
function portable(table: string, column: string, value: unknown): string | number | null | Uint8Array {
  if (table === 'execution_steps' && (column === 'input' || column === 'output')) return unpackText(value as string | Uint8Array | null);
  return value as string | number | null | Uint8Array;
}

/** The feed's seq goes on from the SQLite one (which remembers seqs of pruned rows too). */
async function continueSequence(source: DatabaseSync, tx: Queries): Promise<void> {
  const row = source.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change_feed'), 0) AS seq").get() as { seq: number };
  const max = (await tx.allSql<{ seq: number | null }>('SELECT max(seq) AS seq FROM change_feed', []))[0]?.seq ?? 0;
  const last = Math.max(Number(row.seq), Number(max));
  if (last > 0) await tx.allSql("SELECT setval('change_feed_seq_seq', $1, true)", [last]);
}

function countsTable(counts: TableCount[]): string {
  const width = Math.max(5, ...counts.map((c) => c.table.length));
  const lines = [`${'table'.padEnd(width)}  ${'sqlite'.padStart(9)}  ${'postgres'.padStart(9)}`];
  for (const c of counts) lines.push(`${c.table.padEnd(width)}  ${String(c.sqlite).padStart(9)}  ${String(c.postgres).padStart(9)}${c.sqlite === c.postgres ? '' : '  ≠'}`);
  return lines.join('\n') + '\n';
}

/** `svyazka db …` */
export function dbCommand(): Command {
  const db = new Command('db').description('The database: copy a SQLite install to PostgreSQL');
  db.command('copy')
    .description(
      'Copy the SQLite database of SVYAZKA_DATA_DIR into an empty PostgreSQL database, every table, then compare row counts. ' +
        'Keep the data dir\'s secret.key (or SVYAZKA_SECRET_KEY) for the processes on PostgreSQL: connections stay encrypted with it.',
    )
    .requiredOption('--to <url>', 'postgres://user@host:port/database — an empty database')
    .action(async (opts: { to: string }) => {
      if (!/^postgres(ql)?:\/\//.test(opts.to)) throw new Error('--to must be a postgres:// URL');
      const config = loadConfig();
      const counts = await copySqliteToPostgres({
        sqlitePath: join(config.dataDir, 'svyazka.db'),
        targetUrl: opts.to,
        progress: (line) => process.stderr.write(`copied ${line}\n`),
      });
      process.stdout.write(countsTable(counts));
      process.stdout.write(`All ${counts.length} tables copied; row counts match. Start with DATABASE_URL set and the same master key (${join(config.dataDir, 'secret.key')} or SVYAZKA_SECRET_KEY).\n`);
    });
  return db;
}
