// The change feed on PostgreSQL: rows written by the triggers of change-triggers.ts in the
// change's own transaction. Feed writers hold an advisory lock until COMMIT, so rows become
// visible in seq order and a reader that has seen seq N never meets a lower one later.
import type { ChangeKind, ChangeRecord, ChangeStore } from '../types.ts';
import { CHANGE_FEED_LOCK } from './change-triggers.ts';
import type { PostgresDatabase } from './database.ts';

const SELECT_SINCE = 'SELECT seq, kind, workspace_id, entity_id, at FROM change_feed WHERE seq > $1 ORDER BY seq LIMIT $2';
// The sequence, not max(seq): the newest survives pruning, as SQLite's AUTOINCREMENT does.
const SELECT_LAST = 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM change_feed_seq_seq';
const PRUNE = 'DELETE FROM change_feed WHERE at < $1';

export class PostgresChangeStore implements ChangeStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  async lastSeq(): Promise<number> {
    // Waits for a writer in flight: its seq is taken but not yet committed, and must not be skipped.
    return this.db.transaction(async (tx) => {
      await tx.allSql('SELECT pg_advisory_xact_lock($1)', [CHANGE_FEED_LOCK]);
      return Number((await tx.allSql<{ seq: number }>(SELECT_LAST, []))[0]?.seq ?? 0);
    });
  }

  async since(seq: number, limit: number): Promise<ChangeRecord[]> {
    const rows = await this.db.read.allSql<{ seq: number; kind: ChangeKind; workspace_id: string | null; entity_id: string | null; at: number }>(SELECT_SINCE, [seq, limit]);
    return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, workspaceId: r.workspace_id, entityId: r.entity_id, at: Number(r.at) }));
  }

  async prune(before: number): Promise<number> {
    return this.db.read.runSql(PRUNE, [before]);
  }
}
