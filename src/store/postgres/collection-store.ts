// The workspace data store on PostgreSQL. Every write is one transaction: a transaction-scoped
// advisory lock on (workspace, collection, key) serialises writers of one key — also while the
// record does not exist yet, which a row lock cannot — then the row is read FOR UPDATE (the TTL
// sweep waits for it), the write decided (store/collections.ts) and applied, the workspace's usage
// row updated and checked, and a `store` step's journal entry written, all committed at once.
// Lock order everywhere: the execution row, the key, the record row, the usage row.
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
import type { PostgresDatabase, Queries } from './database.ts';

const LOCK_EXECUTION = 'SELECT 1 FROM executions WHERE id = $1 FOR UPDATE';
const DONE_STEP = `SELECT output FROM execution_steps WHERE execution_id = $1 AND step_id = $2 AND status = 'succeeded'`;
const LOCK_KEY = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 17))';
const SELECT_ROW = 'SELECT value, expires_at, created_at FROM collection_records WHERE workspace_id = $1 AND collection = $2 AND key = $3 FOR UPDATE';
const UPSERT_ROW = `INSERT INTO collection_records (workspace_id, collection, key, value, expires_at, created_at, updated_at)
  VALUES ($1,$2,$3,$4,$5,$6,$6) ON CONFLICT (workspace_id, collection, key) DO UPDATE SET value = excluded.value,
  expires_at = excluded.expires_at, updated_at = excluded.updated_at`;
const DELETE_ROW = 'DELETE FROM collection_records WHERE workspace_id = $1 AND collection = $2 AND key = $3';
const ADD_USAGE = `INSERT INTO collection_usage AS u (workspace_id, records, bytes, updated_at) VALUES ($1,$2,$3,$4)
  ON CONFLICT (workspace_id) DO UPDATE SET records = u.records + excluded.records, bytes = u.bytes + excluded.bytes,
  updated_at = excluded.updated_at RETURNING records, bytes`;
const UPSERT_STEP = `INSERT INTO execution_steps (execution_id, step_id, idx, type, status, input, output, error, attempts,
  transactions, resume_at, started_at, finished_at, sealed_output) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
  ON CONFLICT (execution_id, step_id) DO UPDATE SET status = excluded.status, input = excluded.input,
  output = excluded.output, error = excluded.error, attempts = excluded.attempts, transactions = excluded.transactions,
  resume_at = excluded.resume_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
  sealed_output = excluded.sealed_output`;
// Rows a writer holds are skipped, not waited for: the writer decides about them itself.
const SWEEP = `DELETE FROM collection_records r USING (SELECT workspace_id, collection, key FROM collection_records
  WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED) d
  WHERE r.workspace_id = d.workspace_id AND r.collection = d.collection AND r.key = d.key
  RETURNING r.workspace_id, octet_length(r.key) + octet_length(r.value) AS bytes`;

function toRecord(row: Selectable<CollectionRecordsTable>): CollectionRecord {
  return {
    collection: row.collection,
    key: row.key,
    value: decodeValue(row.value),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class PostgresCollectionStore implements CollectionStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async get(workspaceId: string, collection: string, key: string, now: number): Promise<CollectionRecord | undefined> {
    const row = await this.db.read.first(
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
      return await this.db.transaction((tx) => this.writeIn(tx, req));
    } catch (error) {
      if (error instanceof DryRunRollback) return error.result;
      throw error;
    }
  }

  private async writeIn(tx: Queries, req: CollectionWriteRequest): Promise<CollectionWriteResult> {
    const { workspaceId, collection, key, now, step } = req;
    if (step) {
      // Two runs of one execution (a lease that expired under a slow worker) take turns here; the
      // second finds the step done and gets its journaled output instead of writing again.
      await tx.runSql(LOCK_EXECUTION, [step.executionId]);
      const done = (await tx.allSql<{ output: string | null }>(DONE_STEP, [step.executionId, step.stepId]))[0];
      if (done) return { output: decodeValue(done.output ?? 'null') as CollectionWriteOutput, replayed: true };
    }
    await tx.allSql(LOCK_KEY, [JSON.stringify([workspaceId, collection, key])]);
    const found = (await tx.allSql<{ value: string; expires_at: number | null; created_at: number }>(SELECT_ROW, [workspaceId, collection, key]))[0];
    const row: StoredRow | undefined = found && { value: found.value, expiresAt: found.expires_at === null ? null : Number(found.expires_at), createdAt: Number(found.created_at) };
    const plan = planWrite(req.write, row, now);
    if (plan.action === 'put') await tx.runSql(UPSERT_ROW, [workspaceId, collection, key, plan.valueText, plan.expiresAt, now]);
    else if (plan.action === 'delete') await tx.runSql(DELETE_ROW, [workspaceId, collection, key]);
    const delta = usageDelta(plan, key, row);
    if (delta.records !== 0 || delta.bytes !== 0) {
      const after = (await tx.allSql<{ records: number; bytes: number }>(ADD_USAGE, [workspaceId, delta.records, delta.bytes, now]))[0];
      checkLimits({ records: Number(after.records), bytes: Number(after.bytes) }, delta, req.limits);
    }
    const result = { output: plan.output, replayed: false };
    if (req.dryRun) throw new DryRunRollback(result);
    if (step) await tx.runSql(UPSERT_STEP, stepValues(step.record(plan.output)));
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
    const rows = await this.db.read.all(query.orderBy('key').limit(opts.limit + 1));
    const more = rows.length > opts.limit;
    const items = (more ? rows.slice(0, opts.limit) : rows).map(toRecord);
    return { items, next: more ? items[items.length - 1].key : null };
  }

  async listCollections(workspaceId: string, now: number): Promise<CollectionSummary[]> {
    const rows = await this.db.read.all(
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
    const row = await this.db.read.first(this.q.selectFrom('collection_usage').select(['records', 'bytes']).where('workspace_id', '=', workspaceId));
    return { records: Number(row?.records ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  async sweepExpired(now: number, batch: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const gone = await tx.allSql<{ workspace_id: string; bytes: number }>(SWEEP, [now, batch]);
      for (const [workspaceId, freed] of freedByWorkspace(gone)) {
        await tx.allSql(ADD_USAGE, [workspaceId, -freed.records, -freed.bytes, now]);
      }
      return gone.length;
    });
  }
}
