// The change feed on SQLite: one row per change to a table whose contents some process keeps in
// memory (flows, connections, billing, ledger). Rows are written by triggers, so every writer — the
// server, the CLI, a second server on the same file — records its changes in the same transaction
// as the change itself, and no code path can forget to.
//
// Only this file is SQLite-specific. The PostgreSQL store (distributed mode) needs the same
// triggers in PL/pgSQL (or LISTEN/NOTIFY to wake pollers); note that a PostgreSQL sequence does not
// hand out numbers in commit order, so its reader must tolerate late-committing lower seqs.
import type { ChangeKind, ChangeRecord, ChangeStore } from '../types.ts';
import type { SqliteDatabase } from './database.ts';

/**
 * Tables that feed the change feed and what a row of each is called there. Deliberately not
 * webhooks, executions, execution_steps or the usage counters: those are the hot path, and
 * nothing caches them.
 */
export interface ChangeSource {
  table: string;
  kind: ChangeKind;
  /** null: instance-wide rows (no workspace). */
  workspaceColumn: string | null;
  idColumn: string;
}

/** Migration 0004_change_feed. */
export const CHANGE_SOURCES: readonly ChangeSource[] = [
  { table: 'flows', kind: 'flow', workspaceColumn: 'workspace_id', idColumn: 'id' },
  { table: 'connections', kind: 'connection', workspaceColumn: 'workspace_id', idColumn: 'id' },
  { table: 'workspace_billing', kind: 'billing', workspaceColumn: 'workspace_id', idColumn: 'workspace_id' },
  { table: 'balance_ledger', kind: 'ledger', workspaceColumn: 'workspace_id', idColumn: 'id' },
];

/** Migration 0008_change_feed_settings: the operator's instance settings (0005_access made the table). */
export const SETTINGS_SOURCE: ChangeSource = { table: 'instance_settings', kind: 'settings', workspaceColumn: null, idColumn: 'key' };

/** Milliseconds since the epoch inside SQLite (unixepoch('subsec') needs 3.42; this works everywhere). */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** DDL of the triggers for one source table (migration 0004_change_feed). */
export function sqliteChangeTriggers(source: ChangeSource): string[] {
  const { table, kind, workspaceColumn: ws, idColumn: id } = source;
  const row = (ref: 'NEW' | 'OLD') => `INSERT INTO change_feed (kind, workspace_id, entity_id, at) VALUES ('${kind}', ${ws === null ? 'NULL' : `${ref}.${ws}`}, ${ref}.${id}, ${NOW_MS});`;
  return [
    `CREATE TRIGGER change_feed_${table}_ins AFTER INSERT ON ${table} BEGIN ${row('NEW')} END`,
    `CREATE TRIGGER change_feed_${table}_upd AFTER UPDATE ON ${table} BEGIN ${row('NEW')} END`,
    `CREATE TRIGGER change_feed_${table}_del AFTER DELETE ON ${table} BEGIN ${row('OLD')} END`,
  ];
}

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
