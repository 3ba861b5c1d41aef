// The audit log on PostgreSQL: append and list, nothing else — rows are never updated or deleted.
import { sql, type Selectable } from 'kysely';
import type { AuditLogTable } from '../schema.ts';
import type { AuditEntry, AuditFilter, AuditStore, Page } from '../types.ts';
import { newId } from '../../lib/ids.ts';
import { parseJson } from '../../lib/json.ts';
import type { PostgresDatabase } from './database.ts';

export class PostgresAuditStore implements AuditStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async append(entry: Omit<AuditEntry, 'id'> & { id?: string }): Promise<AuditEntry> {
    const saved: AuditEntry = { ...entry, id: entry.id ?? newId('aud', entry.at) };
    const row: Selectable<AuditLogTable> = {
      id: saved.id,
      workspace_id: saved.workspaceId,
      at: saved.at,
      actor: saved.actor.id,
      actor_label: saved.actor.label,
      action: saved.action,
      target_type: saved.target.type,
      target_id: saved.target.id,
      target_name: saved.target.name,
      details: JSON.stringify(saved.details),
      ip: saved.ip,
    };
    await this.db.read.run(this.q.insertInto('audit_log').values(row));
    return saved;
  }

  async list(filter: AuditFilter): Promise<Page<AuditEntry>> {
    let query = this.q.selectFrom('audit_log').selectAll();
    if (filter.workspaceIds !== undefined) {
      if (filter.workspaceIds.length === 0) return { items: [], next: null };
      query = query.where('workspace_id', 'in', filter.workspaceIds);
    }
    if (filter.actor) query = query.where('actor', '=', filter.actor);
    if (filter.actionPrefix) {
      const prefix = filter.actionPrefix;
      // Compared by substring, not LIKE: '_' in `balance.top_up` is no wildcard.
      query = query.where((eb) =>
        eb.or([eb('action', '=', prefix), eb(sql<string>`substr(action, 1, ${prefix.length + 1}::int)`, '=', `${prefix}.`)]),
      );
    }
    if (filter.targetType) query = query.where('target_type', '=', filter.targetType);
    if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
    if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('at', '<', filter.to);
    if (filter.before) query = query.where('id', '<', filter.before);
    const rows = await this.db.read.all(query.orderBy('id', 'desc').limit(filter.limit + 1));
    const more = rows.length > filter.limit;
    const items = (more ? rows.slice(0, filter.limit) : rows).map(toEntry);
    return { items, next: more ? items[items.length - 1].id : null };
  }
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  const details = parseJson(row.details);
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    at: Number(row.at),
    actor: { id: row.actor, label: row.actor_label },
    action: row.action,
    target: { type: row.target_type, id: row.target_id, name: row.target_name },
    details: details && typeof details === 'object' && !Array.isArray(details) ? (details as Record<string, unknown>) : {},
    ip: row.ip,
  };
}
