// Workspace variables on the embedded SQLite database. Values arrive sealed; this file never sees them in clear.
import type { Selectable } from 'kysely';
import type { VariablesTable } from '../schema.ts';
import type { StoredVariable, VariableStore } from '../types.ts';
import type { SqliteDatabase } from './database.ts';

function toVariable(row: Selectable<VariablesTable>): StoredVariable {
  return {
    workspaceId: row.workspace_id,
    name: row.name,
    sealedValue: row.sealed_value,
    secret: Number(row.secret) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class SqliteVariableStore implements VariableStore {
  private readonly db: SqliteDatabase;
  /**
   * Every execution reads its workspace's variables; they rarely change. Kept while no other
   * process has written the database (data_version) and this one has not changed them. The
   * arrays are shared: callers only read them.
   */
  private readonly cache = new Map<string, StoredVariable[]>();
  private cacheVersion = -1;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async list(workspaceId: string): Promise<StoredVariable[]> {
    const version = this.db.dataVersion();
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = version;
    }
    let list = this.cache.get(workspaceId);
    if (!list) {
      list = this.db.all(this.q.selectFrom('variables').selectAll().where('workspace_id', '=', workspaceId).orderBy('name')).map(toVariable);
      this.cache.set(workspaceId, list);
    }
    return list;
  }

  async get(workspaceId: string, name: string): Promise<StoredVariable | undefined> {
    const row = this.db.first(this.q.selectFrom('variables').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name));
    return row && toVariable(row);
  }

  async put(v: { workspaceId: string; name: string; sealedValue: string; secret: boolean }, now: number): Promise<StoredVariable> {
    await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('variables')
          .values({ workspace_id: v.workspaceId, name: v.name, sealed_value: v.sealedValue, secret: v.secret ? 1 : 0, created_at: now, updated_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ sealed_value: v.sealedValue, secret: v.secret ? 1 : 0, updated_at: now })),
      ),
    );
    this.cache.delete(v.workspaceId);
    return (await this.get(v.workspaceId, v.name))!;
  }

  async delete(workspaceId: string, name: string): Promise<boolean> {
    const changes = await this.db.write(() => this.db.run(this.q.deleteFrom('variables').where('workspace_id', '=', workspaceId).where('name', '=', name)));
    this.cache.delete(workspaceId);
    return changes > 0;
  }
}
