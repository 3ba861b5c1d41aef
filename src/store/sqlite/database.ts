// One SQLite connection (node:sqlite) shared by the process: Kysely builds the queries, they run
// synchronously on prepared statements, and writes are group-committed — every write submitted
// during one event-loop turn lands in a single transaction, and each caller's promise resolves
// only after COMMIT. That is what makes "200 only after the webhook is stored" cheap.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Kysely, Migrator, SqliteDialect, type CompiledQuery, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import type { Database } from '../schema.ts';
import { migrations } from '../migrations.ts';
import { restrictFile } from '../../lib/private-files.ts';
import { isStorageFull, StorageState } from '../storage-errors.ts';
import { storeThread } from '../store-thread.ts';

type SqlValue = null | number | bigint | string | Uint8Array;

const PAGE_SIZE = 16_384;

export interface SqliteOptions {
  /** 'normal' survives a process crash (kill -9); 'full' also survives power loss. */
  synchronous?: 'normal' | 'full';
  /** Told when the database files cannot be made private (0600); default: a process warning. */
  onWarning?: (message: string) => void;
  /**
   * After this many group commits (default 100: a server under load, not a CLI command), WAL
   * checkpoints move to the store thread, every `checkpointEveryMs` (default 500).
   */
  checkpointAfterCommits?: number;
  checkpointEveryMs?: number;
}

/** SQLite's own default: a checkpoint inside the COMMIT that takes the WAL past 1000 pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/**
 * With the store thread checkpointing, the main connection still does past 2000 pages (32 MB). The
 * WAL starts over only at a write that finds it all checkpointed; under steady load a commit lands
 * during nearly every pass of the thread, and without this the WAL file kept growing. Such a
 * checkpoint has little left to copy: the thread's passes did the rest.
 */
const WAL_CAP_PAGES = 2000;

interface PendingWrite {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** It reads counters (a quota take): the batch's counts so far are written before it runs. */
  readsCounters: boolean;
  /** It only reads and writes this database: running it again after an undo does the same. */
  rerunnable: boolean;
}

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };
type Transaction = Record<'begin' | 'commit' | 'savepoint' | 'release' | 'rollbackTo', StatementSync>;

/** A counter's increments summed over a batch: `sql` runs once with [...key, sum]. */
interface Count {
  sql: string;
  key: SqlValue[];
  n: number;
}

/**
 * The database and its WAL/shared-memory files hold every tenant's data: 0600. SQLite gives the
 * -wal and -shm files it creates later the database file's mode, so fixing all three now (they
 * exist once WAL mode is on, and older installs made them 0644) keeps them private.
 */
function restrictDatabaseFiles(path: string, warn: (message: string) => void): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const problem = restrictFile(file);
    if (problem) warn(`${file} may be readable by other users: cannot set its mode to 0600 (${problem})`);
  }
}

export class SqliteDatabase {
  readonly raw: DatabaseSync;
  readonly kysely: Kysely<Database>;
  private readonly statements = new Map<string, StatementSync>();
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private version: number | null = null;
  private closed = false;
  private tx: Transaction | null = null;
  /** Counts of the batch's writes that succeeded, by counter row; written before COMMIT. */
  private readonly counts = new Map<string, Count>();
  /** Counts of the write running now: kept only if it succeeds. */
  private itemCounts: Count[] | null = null;
  /** Set by a group commit that failed for space, cleared by the next that commits. */
  readonly storage = new StorageState();
  private readonly path: string;
  private commitsBeforeHandOff: number;
  private readonly checkpointEveryMs: number;
  /** Settles once the store thread has taken the checkpoints (its watch) or could not (null). */
  private checkpoints: Promise<number | null> | null = null;

  constructor(path: string, opts: SqliteOptions = {}) {
    this.raw = new DatabaseSync(path);
    this.path = path;
    this.commitsBeforeHandOff = path === ':memory:' ? Infinity : (opts.checkpointAfterCommits ?? 100);
    this.checkpointEveryMs = opts.checkpointEveryMs ?? 500;
    // Takes effect only when the file is new. History rows are ~1 KB and arrive in key order, so
    // each leaf page ends with a gap of half a row on average: 16 KB pages hold ~13 rows, not 3,
    // and the gaps shrink from ~200 to ~50 bytes per row (bench/storage).
    this.raw.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    this.raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    this.raw.exec('PRAGMA journal_mode = WAL');
    if (path !== ':memory:') restrictDatabaseFiles(path, opts.onWarning ?? ((m) => process.emitWarning(m)));
    this.raw.exec(`PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.raw.exec('PRAGMA busy_timeout = 5000');
    this.raw.exec('PRAGMA temp_store = MEMORY');
    // 4 MB: what writes touch is the last pages of each tree (well under 1 MB at 16 KB a page);
    // reads of older history come from the OS's file cache. 8 MB showed as RSS under load.
    this.raw.exec('PRAGMA cache_size = -4000');
    this.kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: kyselyAdapter(this.raw) }) });
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.kysely, provider: { getMigrations: async () => migrations } });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private prepare(sqlText: string): StatementSync {
    let stmt = this.statements.get(sqlText);
    if (!stmt) {
      stmt = this.raw.prepare(sqlText);
      this.statements.set(sqlText, stmt);
    }
    return stmt;
  }

  all<R>(query: CompiledQuery<R> | { compile(): CompiledQuery<R> }): R[] {
    const q = 'compile' in query ? query.compile() : query;
    return this.prepare(q.sql).all(...(q.parameters as SqlValue[])) as R[];
  }

  first<R>(query: CompiledQuery<R> | { compile(): CompiledQuery<R> }): R | undefined {
    return this.all(query)[0];
  }

  run(query: CompiledQuery | { compile(): CompiledQuery }): number {
    const q = 'compile' in query ? query.compile() : query;
    return Number(this.prepare(q.sql).run(...(q.parameters as SqlValue[])).changes);
  }

  /**
   * Changes whenever another connection (the CLI, a second process) commits to the database; this
   * connection's own commits leave it as it is. Caches of rarely written tables check it.
   */
  dataVersion(): number {
    // Asked once per event-loop turn: what another process committed before this turn is seen.
    if (this.version === null) {
      this.version = Number((this.prepare('PRAGMA data_version').get() as { data_version: number }).data_version);
      setImmediate(() => (this.version = null));
    }
    return this.version;
  }

  /** Raw SQL for the hot path, where compiling a Kysely query per call would cost too much. */
  runSql(sqlText: string, params: SqlValue[]): number {
    return Number(this.prepare(sqlText).run(...params).changes);
  }

  allSql<R>(sqlText: string, params: SqlValue[]): R[] {
    return this.prepare(sqlText).all(...params) as R[];
  }

  /**
   * Adds `n` to a counter row inside a write: `sql` is an upsert taking [...key, n]. The batch's
   * increments of one row are summed and written once, just before COMMIT (usage counters: every
   * webhook and every call counts, and a batch holds hundreds of them for the same few rows).
   * Outside a write it runs at once.
   */
  count(sql: string, key: SqlValue[], n: number): void {
    if (this.itemCounts === null) {
      this.runSql(sql, [...key, n]);
      return;
    }
    this.itemCounts.push({ sql, key, n });
  }

  private writeCounts(): void {
    for (const c of this.counts.values()) this.runSql(c.sql, [...c.key, c.n]);
    this.counts.clear();
  }

  /**
   * Runs `fn` inside the next group commit. `fn` must be synchronous; it sees the batch's
   * earlier writes — except counts (count()), which it reads right only with `readsCounters`.
   * If it throws, only its own writes are undone. `rerunnable`: `fn` changes nothing outside this
   * database (its closure may keep what it returns), so it may be run a second time after its
   * writes were undone — the hot path's writes, which then share a savepoint.
   */
  write<T>(fn: () => T, opts: { readsCounters?: boolean; rerunnable?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('Database is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        fn,
        resolve: resolve as (v: unknown) => void,
        reject,
        readsCounters: opts.readsCounters === true,
        rerunnable: opts.rerunnable === true && opts.readsCounters !== true,
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes now, in its own transaction (start-up, CLI). */
  writeNow<T>(fn: () => T): T {
    this.raw.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.raw.exec('COMMIT');
      return result;
    } catch (error) {
      this.raw.exec('ROLLBACK');
      throw error;
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const results: Result[] = new Array(batch.length);
    // Prepared once: exec() would parse these few statements again for every write.
    const tx = (this.tx ??= {
      begin: this.raw.prepare('BEGIN IMMEDIATE'),
      commit: this.raw.prepare('COMMIT'),
      savepoint: this.raw.prepare('SAVEPOINT w'),
      release: this.raw.prepare('RELEASE w'),
      rollbackTo: this.raw.prepare('ROLLBACK TO w'),
    });
    let full: unknown = null;
    this.counts.clear();
    try {
      tx.begin.run();
      for (let i = 0; i < batch.length; ) {
        let end = i + 1;
        if (batch[i].rerunnable) while (end < batch.length && batch[end].rerunnable) end++;
        // A run of rerunnable writes shares one savepoint; if one of them throws, the run is undone
        // and its writes go again one by one, so only the one that threw is left out.
        if (end - i === 1 || !this.runGroup(tx, batch, i, end, results)) {
          for (let k = i; k < end; k++) full = this.runOne(tx, batch[k], k, results) ?? full;
        }
        i = end;
      }
      this.writeCounts();
      tx.commit.run();
    } catch (error) {
      // Nothing of the batch is stored: every caller hears so (a webhook then gets no 200).
      try {
        if (this.raw.isTransaction) this.raw.exec('ROLLBACK');
      } catch {
        // SQLite rolled back by itself (a full disk can do that); nothing is left to undo.
      }
      if (isStorageFull(error)) this.storage.full(error);
      for (const item of batch) item.reject(error);
      return;
    }
    if (full) this.storage.full(full);
    else this.storage.ok();
    if (--this.commitsBeforeHandOff === 0) this.handOffCheckpoints();
    for (let i = 0; i < batch.length; i++) {
      const r = results[i];
      if (r.ok) batch[i].resolve(r.value);
      else batch[i].reject(r.error);
    }
  }

  /** One write under its own savepoint: if it throws, only its writes are undone. Returns a storage-full error. */
  private runOne(tx: Transaction, item: PendingWrite, index: number, results: Result[]): unknown {
    if (item.readsCounters) this.writeCounts();
    tx.savepoint.run();
    this.itemCounts = [];
    try {
      results[index] = { ok: true, value: item.fn() };
      tx.release.run();
      this.keepCounts(this.itemCounts);
      return null;
    } catch (error) {
      tx.rollbackTo.run();
      tx.release.run();
      results[index] = { ok: false, error };
      return isStorageFull(error) ? error : null;
    } finally {
      this.itemCounts = null;
    }
  }

  /**
   * Rerunnable writes [from, to) under one savepoint: a savepoint costs SQLite a copy of every page
   * first written under it, ~30 % of a webhook's store time when each write had its own. False,
   * with nothing of them kept, when one throws.
   */
  private runGroup(tx: Transaction, batch: PendingWrite[], from: number, to: number, results: Result[]): boolean {
    tx.savepoint.run();
    const counts: Count[] = (this.itemCounts = []);
    try {
      for (let k = from; k < to; k++) results[k] = { ok: true, value: batch[k].fn() };
    } catch {
      tx.rollbackTo.run();
      tx.release.run();
      return false;
    } finally {
      this.itemCounts = null;
    }
    tx.release.run();
    this.keepCounts(counts);
    return true;
  }

  private keepCounts(itemCounts: Count[]): void {
    for (const c of itemCounts) {
      const key = `${c.sql}\0${c.key.join('\0')}`;
      const sum = this.counts.get(key);
      if (sum) sum.n += c.n;
      else this.counts.set(key, { ...c });
    }
  }

  /**
   * From now on the store thread checkpoints the WAL, and this connection only past WAL_CAP_PAGES:
   * a checkpoint copies and fsyncs up to 16 MB, which stalled the event loop 8–30 ms in a COMMIT.
   */
  private handOffCheckpoints(): void {
    const restore = () => {
      if (!this.closed) this.raw.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    };
    this.checkpoints = storeThread.watchWal(this.path, this.checkpointEveryMs, restore).then((watch) => {
      if (watch !== null && !this.closed) this.raw.exec(`PRAGMA wal_autocheckpoint = ${WAL_CAP_PAGES}`);
      return watch;
    });
  }

  /** Waits for queued writes, then closes (last, so that SQLite checkpoints and removes the WAL). */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.pending.length > 0 || this.flushScheduled) await new Promise((r) => setImmediate(r));
    this.closed = true;
    const watch = this.checkpoints && (await this.checkpoints);
    if (watch) await storeThread.unwatchWal(watch);
    this.raw.close();
  }
}

/** Adapts node:sqlite to the better-sqlite3-shaped interface Kysely's SqliteDialect expects. */
function kyselyAdapter(db: DatabaseSync): KyselySqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sqlText: string) {
      const stmt = db.prepare(sqlText);
      return {
        reader: stmt.columns().length > 0,
        all: (params: ReadonlyArray<unknown>) => stmt.all(...(params as SqlValue[])),
        run: (params: ReadonlyArray<unknown>) => stmt.run(...(params as SqlValue[])),
        iterate: (params: ReadonlyArray<unknown>) => stmt.iterate(...(params as SqlValue[])) as IterableIterator<unknown>,
      };
    },
  };
}
