// The change feed on SQLite: one row per change to a table whose contents some process keeps in
// memory (flows, connections, billing, ledger). Rows are written by triggers, so every writer — the
// server, the CLI, a second server on the same file — records its changes in the same transaction
// as the change itself, and no code path can forget to.
//
// Only this file and change-triggers.ts are SQLite-specific. The PostgreSQL store (distributed mode) needs the same
// triggers in PL/pgSQL (or LISTEN/NOTIFY to wake pollers); note that a PostgreSQL sequence does not
// hand out numbers in commit order, so its reader must tolerate late-committing lower seqs.
import type { ChangeKind, ChangeRecord, ChangeStore } from '../types.ts';
import type { SqliteDatabase } from './database.ts';

const SELECT_SINCE = 'SELECT seq, kind, workspace_id, entity_id, at FROM change_feed WHERE seq > ? ORDER BY seq LIMIT ?';
// AUTOINCREMENT keeps seq growing even when every row is pruned (sqlite_sequence remembers the
// highest), so a seq is never handed out twice and "the newest" survives pruning.
const SELECT_LAST = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'change_feed'), 0) AS seq";
const PRUNE = 'DELETE FROM change_feed WHERE at < ?';

export class SqliteChangeStore implements ChangeStore {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async lastSeq(): Promise<number> {
    return Number(this.db.allSql<{ seq: number }>(SELECT_LAST, [])[0]?.seq ?? 0);
  }

  async since(seq: number, limit: number): Promise<ChangeRecord[]> {
    return this.db
      .allSql<{ seq: number; kind: ChangeKind; workspace_id: string | null; entity_id: string | null; at: number }>(SELECT_SINCE, [seq, limit])
      .map((r) => ({ seq: Number(r.seq), kind: r.kind, workspaceId: r.workspace_id, entityId: r.entity_id, at: Number(r.at) }));
  }

  async prune(before: number): Promise<number> {
    return this.db.write(() => this.db.runSql(PRUNE, [before]));
  }
}
