// The change feed's SQLite triggers: which tables feed it and the DDL that writes a row per change
// (see change-store.ts). Apart from the store so migrations can use it without importing the
// store, which imports the migrations.
import type { ChangeKind } from '../types.ts';

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
