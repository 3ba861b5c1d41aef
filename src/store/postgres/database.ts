// A PostgreSQL connection pool (pg) for the store: Kysely builds the queries (PostgresDialect,
// compiled to $n placeholders), they run on pool clients, and every write is a transaction whose
// promise resolves only after COMMIT — the same guarantee as the SQLite group commit. The hot
// write (webhook intake) is batched on top of this by WriteBatcher (batcher.ts).
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, type CompiledQuery } from 'kysely';
import type { Database } from '../schema.ts';
import { migrations } from '../migrations.ts';
import { isStorageFull, StorageState } from '../storage-errors.ts';

/** Held (session-scoped) while migrating, so processes starting together migrate one at a time. */
const MIGRATION_LOCK = 0x5356_4d49; // 'SVMI'

const INT8 = 20;
const NUMERIC = 1700;

/**
 * bigint (epoch ms, counters, COUNT(*)) and numeric (SUM of bigint) come back as numbers, as they
 * do from SQLite: every value the store keeps fits in 2^53 (epoch ms, kopecks, counts).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A parameter: a scalar, or a text array (`= ANY($n::text[])`). */
export type SqlValue = null | number | string | boolean | readonly string[] | Uint8Array;
type Compilable<R> = CompiledQuery<R> | { compile(): CompiledQuery<R> };

function compiled<R>(query: Compilable<R>): CompiledQuery<R> {
  return 'compile' in query ? query.compile() : query;
}

/**
 * Values as PostgreSQL takes them. Every number column is integer or bigint (epoch ms, counts,
 * kopecks), and callers compute some times with a fraction (retry jitter): SQLite keeps it,
 * PostgreSQL refuses "1.5" for bigint; a millisecond is the unit, so fractions are rounded. Text
 * cannot hold U+0000 in PostgreSQL (JSON columns never carry it raw: JSON.stringify escapes it), so
 * a NUL in a plain value — an id looked up from a URL, most often — becomes U+FFFD: the lookup
 * finds nothing, as it would on SQLite, instead of failing.
 */
export function toParams(values: readonly unknown[]): unknown[] {
  return values.map((v) => {
    if (typeof v === 'number') return !Number.isInteger(v) && Number.isFinite(v) ? Math.round(v) : v;
    if (typeof v === 'string' && v.includes('\u0000')) return v.replaceAll('\u0000', '\uFFFD');
    return v;
  });
}

/** Runs queries on one client (inside a transaction) or on the pool (single reads). */
export class Queries {
  private readonly target: pg.Pool | pg.PoolClient;
  /** On the pool: told of a statement refused for space (in a transaction, transaction() is). */
  private readonly storage: StorageState | null;

  constructor(target: pg.Pool | pg.PoolClient, storage: StorageState | null = null) {
    this.target = target;
    this.storage = storage;
  }

  private async query(text: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.target.query(text, toParams(params));
    } catch (error) {
      if (this.storage && isStorageFull(error)) this.storage.full(error);
      throw error;
    }
  }

  async all<R>(query: Compilable<R>): Promise<R[]> {
    const q = compiled(query);
    return (await this.query(q.sql, q.parameters)).rows as R[];
  }

  async first<R>(query: Compilable<R>): Promise<R | undefined> {
    return (await this.all(query))[0];
  }

  async run(query: Compilable<unknown>): Promise<number> {
    const q = compiled(query);
    return (await this.query(q.sql, q.parameters)).rowCount ?? 0;
  }

  /** Raw SQL for the hot path and for what Kysely does not build (FOR UPDATE SKIP LOCKED with RETURNING). */
  async allSql<R>(text: string, params: readonly SqlValue[]): Promise<R[]> {
    return (await this.query(text, params)).rows as R[];
  }

  async runSql(text: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.query(text, params)).rowCount ?? 0;
  }
}

export interface PostgresOptions {
  /** Pool size; each process needs a few (intake batches, workers, readers). */
  max?: number;
  /** Told of an idle client's error (the server restarted, the network dropped); default: a process warning. */
  onWarning?: (message: string) => void;
}

/** Deadlock and serialization failure: the whole transaction may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly kysely: Kysely<Database>;
  /** For single-statement reads: any pool client. */
  readonly read: Queries;
  /**
   * Set by any statement or transaction refused for space (disk_full, SQLSTATE 53100); cleared by
   * the store when a write that adds rows commits (a webhook, a journal entry). An UPDATE that
   * fits in its page can still commit on a full disk, so any commit does not prove space is back.
   */
  readonly storage = new StorageState();
  private closed = false;

  constructor(url: string, opts: PostgresOptions = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types });
    const warn = opts.onWarning ?? ((m: string) => process.emitWarning(m));
    // Without a listener an idle client's error would crash the process; the pool replaces it.
    this.pool.on('error', (err: Error) => warn(`PostgreSQL connection lost: ${err.message}`));
    this.kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: this.pool }) });
    this.read = new Queries(this.pool, this.storage);
  }

  /**
   * Applies the migrations. Kysely already takes a transaction-scoped advisory lock per run; the
   * session lock around it also covers creating its bookkeeping tables, so processes started at
   * once (web and workers) neither race nor fail: the later ones wait and find nothing to do.
   */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        const migrator = new Migrator({ db: this.kysely, provider: { getMigrations: async () => migrations } });
        const { error, results } = await migrator.migrateToLatest();
        if (error) {
          const failed = results?.find((r) => r.status === 'Error');
          throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn` in one transaction and resolves after COMMIT. A deadlock or serialization failure
   * runs it again from the start (bounded), so `fn` must not have effects outside the database.
   */
  async transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('Database is closed');
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(new Queries(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (error as { code?: string }).code;
        if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
        if (isStorageFull(error)) this.storage.full(error);
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kysely.destroy();
    // Kysely ends the pool only if it ever ran a query itself; most of ours go to the pool directly.
    if (!this.pool.ended) await this.pool.end();
  }
}
