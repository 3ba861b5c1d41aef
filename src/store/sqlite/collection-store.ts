// The workspace data store on the embedded SQLite database. Every write is one function inside the
// group commit (database.ts): SQLite runs one writer at a time, so reading the record, deciding
// (store/collections.ts), writing it, counting usage and — for a `store` step — writing the step's
// journal entry happen with nothing in between, and COMMIT makes them durable together.
import type { Selectable } from 'kysely';
import type { CollectionRecordsTable } from '../schema.ts';
import type { CollectionStore } from '../types.ts';
import {
  checkLimits,
  decodeValue,
  DryRunRollback,
  freedByWorkspace,
  planWrite,
  prefixEnd,
  journalJson,
  stepValues,
  usageDelta,
  type CollectionRecord,
  type CollectionSummary,
  type CollectionWriteOutput,
  type CollectionWriteRequest,
  type CollectionWriteResult,
  type ListOptions,
  type StoredRow,
} from '../collections.ts';
import { packText, unpackText } from '../compression.ts';
import type { SqliteDatabase } from './database.ts';

const SELECT_ROW = 'SELECT value, expires_at, created_at FROM collection_records WHERE workspace_id = ? AND collection = ? AND key = ?';
const UPSERT_ROW = `INSERT INTO collection_records (workspace_id, collection, key, value, expires_at, created_at, updated_at)
  VALUES (?,?,?,?,?,?,?) ON CONFLICT (workspace_id, collection, key) DO UPDATE SET value = excluded.value,
  expires_at = excluded.expires_at, updated_at = excluded.updated_at`;
const DELETE_ROW = 'DELETE FROM collection_records WHERE workspace_id = ? AND collection = ? AND key = ?';
const ADD_USAGE = `INSERT INTO collection_usage (workspace_id, records, bytes, updated_at) VALUES (?,?,?,?)
  ON CONFLICT (workspace_id) DO UPDATE SET records = records + excluded.records, bytes = bytes + excluded.bytes,
  updated_at = excluded.updated_at RETURNING records, bytes`;
const DONE_STEP = `SELECT output FROM execution_steps WHERE execution_id = ? AND step_id = ? AND status = 'succeeded'`;
const UPSERT_STEP = `INSERT INTO execution_steps (execution_id, step_id, idx, type, status, input, output, error, attempts,
  transactions, resume_at, started_at, finished_at, sealed_output) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
  ON CONFLICT (execution_id, step_id) DO UPDATE SET status = excluded.status, input = excluded.input,
  output = excluded.output, error = excluded.error, attempts = excluded.attempts, transactions = excluded.transactions,
  resume_at = excluded.resume_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
  sealed_output = excluded.sealed_output`;
const SWEEP = `DELETE FROM collection_records WHERE rowid IN (SELECT rowid FROM collection_records
  WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)
  RETURNING workspace_id, length(CAST(key AS BLOB)) + length(CAST(value AS BLOB)) AS bytes`;

export function toRecord(row: Selectable<CollectionRecordsTable>): CollectionRecord {
  return {
    collection: row.collection,
    key: row.key,
    value: decodeValue(row.value),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class SqliteCollectionStore implements CollectionStore {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async get(workspaceId: string, collection: string, key: string, now: number): Promise<CollectionRecord | undefined> {
    const row = this.db.first(
      this.q
        .selectFrom('collection_records')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('collection', '=', collection)
        .where('key', '=', key)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
    );
    return row && toRecord(row);
  }

  async write(req: CollectionWriteRequest): Promise<CollectionWriteResult> {
    try {
      return await this.db.write(() => this.writeNow(req));
    } catch (error) {
      if (error instanceof DryRunRollback) return error.result;
      throw error;
    }
  }

  /** Runs inside the group commit; a throw undoes only this write (its savepoint). */
  private writeNow(req: CollectionWriteRequest): CollectionWriteResult {
    const { workspaceId, collection, key, now, step } = req;
    if (step) {
      const done = this.db.allSql<{ output: string | Uint8Array | null }>(DONE_STEP, [step.executionId, step.stepId])[0];
      if (done) return { output: decodeValue(unpackText(done.output) ?? 'null') as CollectionWriteOutput, replayed: true };
    }
    const found = this.db.allSql<{ value: string; expires_at: number | null; created_at: number }>(SELECT_ROW, [workspaceId, collection, key])[0];
    const row: StoredRow | undefined = found && { value: found.value, expiresAt: found.expires_at === null ? null : Number(found.expires_at), createdAt: Number(found.created_at) };
    const plan = planWrite(req.write, row, now);
    if (plan.action === 'put') this.db.runSql(UPSERT_ROW, [workspaceId, collection, key, plan.valueText, plan.expiresAt, now, now]);
    else if (plan.action === 'delete') this.db.runSql(DELETE_ROW, [workspaceId, collection, key]);
    const delta = usageDelta(plan, key, row);
    if (delta.records !== 0 || delta.bytes !== 0) {
      const after = this.db.allSql<{ records: number; bytes: number }>(ADD_USAGE, [workspaceId, delta.records, delta.bytes, now])[0];
      checkLimits({ records: Number(after.records), bytes: Number(after.bytes) }, delta, req.limits);
    }
    const result = { output: plan.output, replayed: false };
    if (req.dryRun) throw new DryRunRollback(result);
    if (step) {
      const record = step.record(plan.output);
      const { input, output } = journalJson(record);
      this.db.runSql(UPSERT_STEP, stepValues(record, { input: input && packText(input), output: output && packText(output) }));
    }
    return result;
  }

  async list(workspaceId: string, collection: string, opts: ListOptions, now: number): Promise<{ items: CollectionRecord[]; next: string | null }> {
    let query = this.q
      .selectFrom('collection_records')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('collection', '=', collection)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (opts.prefix) query = query.where('key', '>=', opts.prefix).where('key', '<', prefixEnd(opts.prefix));
    if (opts.after !== undefined) query = query.where('key', '>', opts.after);
    const rows = this.db.all(query.orderBy('key').limit(opts.limit + 1));
    const more = rows.length > opts.limit;
    const items = (more ? rows.slice(0, opts.limit) : rows).map(toRecord);
    return { items, next: more ? items[items.length - 1].key : null };
  }

  async listCollections(workspaceId: string, now: number): Promise<CollectionSummary[]> {
    const rows = this.db.all(
      this.q
        .selectFrom('collection_records')
        .select((eb) => ['collection', eb.fn.countAll<number>().as('n')])
        .where('workspace_id', '=', workspaceId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .groupBy('collection')
        .orderBy('collection'),
    );
    return rows.map((r) => ({ name: r.collection, records: Number(r.n) }));
  }

  async usage(workspaceId: string): Promise<{ records: number; bytes: number }> {
    const row = this.db.first(this.q.selectFrom('collection_usage').select(['records', 'bytes']).where('workspace_id', '=', workspaceId));
    return { records: Number(row?.records ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  async sweepExpired(now: number, batch: number): Promise<number> {
    return this.db.write(() => {
      const gone = this.db.allSql<{ workspace_id: string; bytes: number }>(SWEEP, [now, batch]);
      for (const [workspaceId, freed] of freedByWorkspace(gone)) {
        this.db.runSql(ADD_USAGE, [workspaceId, -freed.records, -freed.bytes, now]);
      }
      return gone.length;
    });
  }
}
