// Instance-level access on PostgreSQL: operators, instance settings and invitations into
// workspaces. Read-modify-writes lock the rows they read, so two processes cannot both remove
// "not the last" operator or both accept one invitation.
import type { Selectable } from 'kysely';
import type { InvitationsTable } from '../schema.ts';
import type { AccessStore, Invitation, WorkspaceSummary } from '../types.ts';
import type { PostgresDatabase } from './database.ts';

export class PostgresAccessStore implements AccessStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async isOperator(userId: string): Promise<boolean> {
    return (await this.db.read.first(this.q.selectFrom('operators').select('user_id').where('user_id', '=', userId))) !== undefined;
  }

  async addOperator(userId: string, now: number): Promise<void> {
    await this.db.read.run(this.q.insertInto('operators').values({ user_id: userId, created_at: now }).onConflict((oc) => oc.column('user_id').doNothing()));
  }

  async removeOperator(userId: string): Promise<'removed' | 'not_operator' | 'last_operator'> {
    return this.db.transaction(async (tx) => {
      const operators = await tx.all(this.q.selectFrom('operators').select('user_id').forUpdate());
      if (!operators.some((o) => o.user_id === userId)) return 'not_operator' as const;
      if (operators.length <= 1) return 'last_operator' as const;
      await tx.run(this.q.deleteFrom('operators').where('user_id', '=', userId));
      return 'removed' as const;
    });
  }

  async listOperators() {
    const rows = await this.db.read.all(
      this.q
        .selectFrom('operators')
        .innerJoin('users', 'users.id', 'operators.user_id')
        .select(['users.id as userId', 'users.email', 'users.name', 'operators.created_at as since'])
        .orderBy('operators.created_at')
        .orderBy('users.email'),
    );
    return rows.map((r) => ({ ...r, since: Number(r.since) }));
  }

  async countUsers(): Promise<number> {
    const row = await this.db.read.first(this.q.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')));
    return Number(row?.n ?? 0);
  }

  async readSettings(): Promise<Record<string, unknown>> {
    const rows = await this.db.read.all(this.q.selectFrom('instance_settings').select(['key', 'value']));
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  async writeSettings(values: Record<string, unknown>, now: number): Promise<void> {
    const rows = Object.entries(values).map(([key, value]) => ({ key, value: JSON.stringify(value ?? null), updated_at: now }));
    if (rows.length === 0) return;
    await this.db.read.run(
      this.q
        .insertInto('instance_settings')
        .values(rows)
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') }))),
    );
  }

  async listAllWorkspaces(): Promise<WorkspaceSummary[]> {
    const rows = await this.db.read.all(
      this.q
        .selectFrom('workspaces')
        .leftJoin('members', 'members.workspace_id', 'workspaces.id')
        .select((eb) => [
          'workspaces.id',
          'workspaces.slug',
          'workspaces.name',
          'workspaces.timezone',
          'workspaces.locale',
          'workspaces.created_at',
          eb.fn.count<number>('members.user_id').as('members'),
        ])
        .groupBy('workspaces.id')
        .orderBy('workspaces.slug'),
    );
    return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, timezone: r.timezone, locale: r.locale, createdAt: Number(r.created_at), members: Number(r.members) }));
  }

  async saveInvitation(inv: Invitation): Promise<Invitation> {
    const email = inv.email.toLowerCase();
    const row = await this.db.read.first(
      this.q
        .insertInto('invitations')
        .values({ id: inv.id, workspace_id: inv.workspaceId, email, role: inv.role, invited_by: inv.invitedBy, created_at: inv.createdAt, expires_at: inv.expiresAt })
        .onConflict((oc) => oc.columns(['workspace_id', 'email']).doUpdateSet({ role: inv.role, invited_by: inv.invitedBy, created_at: inv.createdAt, expires_at: inv.expiresAt }))
        .returningAll(),
    );
    return toInvitation(row!);
  }

  async getInvitation(id: string): Promise<Invitation | undefined> {
    const row = await this.db.read.first(this.q.selectFrom('invitations').selectAll().where('id', '=', id));
    return row && toInvitation(row);
  }

  async listWorkspaceInvitations(workspaceId: string, now: number): Promise<Invitation[]> {
    const rows = await this.db.read.all(
      this.q.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).where('expires_at', '>', now).orderBy('created_at', 'desc').orderBy('id', 'desc'),
    );
    return rows.map(toInvitation);
  }

  async listInvitationsFor(email: string, now: number): Promise<Invitation[]> {
    const rows = await this.db.read.all(
      this.q.selectFrom('invitations').selectAll().where('email', '=', email.toLowerCase()).where('expires_at', '>', now).orderBy('created_at', 'desc').orderBy('id', 'desc'),
    );
    return rows.map(toInvitation);
  }

  async deleteInvitation(id: string): Promise<boolean> {
    return (await this.db.read.run(this.q.deleteFrom('invitations').where('id', '=', id))) > 0;
  }

  async acceptInvitation(id: string, userId: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const inv = await tx.first(this.q.selectFrom('invitations').selectAll().where('id', '=', id).where('expires_at', '>', now).forUpdate());
      if (!inv) return false;
      await tx.run(
        this.q
          .insertInto('members')
          .values({ workspace_id: inv.workspace_id, user_id: userId, role: inv.role, created_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role: inv.role })),
      );
      await tx.run(this.q.deleteFrom('invitations').where('id', '=', id));
      return true;
    });
  }
}

function toInvitation(row: Selectable<InvitationsTable>): Invitation {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}
