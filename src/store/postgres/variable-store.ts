// Workspace variables on PostgreSQL. Values arrive sealed; this file never sees them in clear.
import type { Selectable } from 'kysely';
import type { VariablesTable } from '../schema.ts';
import type { StoredVariable, VariableStore } from '../types.ts';
import type { PostgresDatabase } from './database.ts';

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

export class PostgresVariableStore implements VariableStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async list(workspaceId: string): Promise<StoredVariable[]> {
    return (await this.db.read.all(this.q.selectFrom('variables').selectAll().where('workspace_id', '=', workspaceId).orderBy('name'))).map(toVariable);
  }

  async get(workspaceId: string, name: string): Promise<StoredVariable | undefined> {
    const row = await this.db.read.first(this.q.selectFrom('variables').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name));
    return row && toVariable(row);
  }

  async put(v: { workspaceId: string; name: string; sealedValue: string; secret: boolean }, now: number): Promise<StoredVariable> {
    const row = await this.db.read.first(
      this.q
        .insertInto('variables')
        .values({ workspace_id: v.workspaceId, name: v.name, sealed_value: v.sealedValue, secret: v.secret ? 1 : 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'name']).doUpdateSet({ sealed_value: v.sealedValue, secret: v.secret ? 1 : 0, updated_at: now }))
        .returningAll(),
    );
    return toVariable(row!);
  }

  async delete(workspaceId: string, name: string): Promise<boolean> {
    return (await this.db.read.run(this.q.deleteFrom('variables').where('workspace_id', '=', workspaceId).where('name', '=', name))) > 0;
  }
}
