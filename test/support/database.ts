// The database a test runs on. By default SQLite in the test's data dir; with
// SVYAZKA_TEST_DATABASE_URL (an admin URL, e.g. postgres://postgres@127.0.0.1:5432/test) every
// test app or store gets a fresh PostgreSQL database of its own, svz_t_<random>, created here and
// dropped when the test is done with it. Tests that spawn a CLI or server process against a data
// dir pass `databaseEnv(dataDir)` so the child opens the same database.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../../src/config.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { TABLES } from '../../src/store/schema.ts';

/** Set: the whole suite runs on PostgreSQL. */
export const TEST_DATABASE_URL = process.env.SVYAZKA_TEST_DATABASE_URL || undefined;

/** A reason to skip a test that is about SQLite's files on disk, when the suite runs on PostgreSQL. */
export const SQLITE_ONLY: string | false = TEST_DATABASE_URL
  ? 'SQLite-specific (the .db/-wal files on disk, their modes or a direct read of them); this run is on PostgreSQL (SVYAZKA_TEST_DATABASE_URL)'
  : false;

const PREFIX = 'svz_t_';
/** Data dir → the database of the test app using it (a restart or a second app on the dir finds it). */
const byDataDir = new Map<string, string>();

function adminClient(admin: string | undefined): pg.Client {
  return new pg.Client({ connectionString: admin });
}

function databaseUrl(admin: string, name: string): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty database on the server of `admin`; resolves to its URL. */
export async function createTestDatabase(admin = TEST_DATABASE_URL): Promise<string> {
  if (!admin) throw new Error('SVYAZKA_TEST_DATABASE_URL is not set');
  const name = `${PREFIX}${randomBytes(6).toString('hex')}`;
  const client = adminClient(admin);
  await client.connect();
  try {
    // CREATE DATABASE copies template1 and fails while another session uses it; a moment later it works.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name}`);
        break;
      } catch (error) {
        if (attempt >= 10 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    await client.end();
  }
  return databaseUrl(admin, name);
}

/** Drops a database this file created (anything else is left alone). */
export async function dropTestDatabase(url: string, admin = TEST_DATABASE_URL): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!name.startsWith(PREFIX) || !/^[a-z0-9_]+$/.test(name)) return;
  const client = adminClient(admin);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** The database of a data dir: created the first time it is asked for (PostgreSQL runs only). */
export async function databaseFor(dataDir: string): Promise<string | undefined> {
  if (!TEST_DATABASE_URL) return undefined;
  let url = byDataDir.get(dataDir);
  if (!url) {
    url = await createTestDatabase();
    byDataDir.set(dataDir, url);
  }
  return url;
}

/** Drops the data dir's database, if it has one. */
export async function dropDatabaseFor(dataDir: string): Promise<void> {
  const url = byDataDir.get(dataDir);
  if (!url) return;
  byDataDir.delete(dataDir);
  await dropTestDatabase(url);
}

/** Config for a test app on `dataDir`: its own database on PostgreSQL runs; unchanged on SQLite or when the test chose one. */
export async function withTestDatabase(dataDir: string, config: Partial<Config> | undefined): Promise<Partial<Config> | undefined> {
  if (!TEST_DATABASE_URL || config?.databaseUrl !== undefined) return config;
  return { ...config, databaseUrl: await databaseFor(dataDir) };
}

/** Environment for a child process (CLI, server) that opens `dataDir`: DATABASE_URL on PostgreSQL runs. */
export async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  const url = await databaseFor(dataDir);
  return url ? { DATABASE_URL: url } : {};
}

export type TestStore = SqliteStore | PostgresStore;

/**
 * A store opened directly (no app): SQLite in `dataDir`, or the data dir's PostgreSQL database.
 * Migrated unless told not to; `drop()` closes it and removes its database.
 */
export async function openTestStore(dataDir: string, opts: { migrate?: boolean } = {}): Promise<TestStore & { drop(): Promise<void> }> {
  const url = await databaseFor(dataDir);
  const store: TestStore = url ? new PostgresStore(url) : new SqliteStore(join(dataDir, 'svyazka.db'));
  if (opts.migrate !== false) await store.migrate();
  return Object.assign(store, {
    async drop() {
      await store.close();
      await dropDatabaseFor(dataDir);
    },
  });
}

/** Whether PostgreSQL answers at the admin URL (or the default local one); tests of the PostgreSQL store skip when not. */
export async function postgresReachable(url = TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same, for a data dir whose database exists already (a test app's): no waiting, nothing created. */
export function databaseEnvOf(dataDir: string): Record<string, string> {
  const url = byDataDir.get(dataDir);
  return url ? { DATABASE_URL: url } : {};
}

/**
 * Everything the database holds, as bytes, for "no secret in the clear at rest" checks: the
 * SQLite files (main, WAL, shared memory) as they lie on disk, or on PostgreSQL every row of
 * every table in its text form (what a dump or a reader of the tables would see).
 */
export async function storedBytes(dataDir: string): Promise<Buffer> {
  const url = byDataDir.get(dataDir);
  if (!url) {
    const files = readdirSync(dataDir).filter((f) => f.startsWith('svyazka.db'));
    return Buffer.concat(files.map((f) => readFileSync(join(dataDir, f))));
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const parts: string[] = [];
    for (const table of TABLES) {
      const { rows } = await client.query<{ r: string }>(`SELECT t::text AS r FROM ${table} t`);
      for (const row of rows) parts.push(row.r);
    }
    return Buffer.from(parts.join('\n'), 'utf8');
  } finally {
    await client.end();
  }
}
