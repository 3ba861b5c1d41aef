// The change feed's PostgreSQL triggers: the counterpart of ../sqlite/change-triggers.ts, a row in
// change_feed per insert, update or delete of a cached table, written in the change's own
// transaction. Which tables feed it is shared (CHANGE_SOURCES); only the DDL differs.
import type { ChangeSource } from '../sqlite/change-triggers.ts';

/**
 * Every writer of the feed takes this transaction-scoped advisory lock before its row gets a seq,
 * so feed rows commit in seq order: a reader that has seen seq N never meets a lower seq later
 * (a plain sequence hands numbers out in call order, not commit order). The tables that feed it
 * change rarely (flows, connections, billing, ledger, settings), so the serialisation costs little.
 */
export const CHANGE_FEED_LOCK = 0x5356_4346; // 'SVCF'

/** The channel a NOTIFY goes to on every change, so listeners can read the feed at once. */
export const CHANGE_FEED_CHANNEL = 'svyazka_change_feed';

/** Milliseconds since the epoch inside PostgreSQL (clock_timestamp: the time of the change, not of the transaction's start). */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** DDL of the trigger function and trigger for one source table. */
export function postgresChangeTriggers(source: ChangeSource): string[] {
  const { table, kind, workspaceColumn: ws, idColumn: id } = source;
  const fn = `change_feed_${table}`;
  const row = (ref: 'NEW' | 'OLD') =>
    `INSERT INTO change_feed (kind, workspace_id, entity_id, at) VALUES ('${kind}', ${ws === null ? 'NULL' : `${ref}.${ws}`}, ${ref}.${id}, ${NOW_MS});`;
  return [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(${CHANGE_FEED_LOCK});
  IF TG_OP = 'DELETE' THEN ${row('OLD')} ELSE ${row('NEW')} END IF;
  PERFORM pg_notify('${CHANGE_FEED_CHANNEL}', '');
  RETURN NULL;
END $$`,
    `CREATE TRIGGER ${fn} AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  ];
}
