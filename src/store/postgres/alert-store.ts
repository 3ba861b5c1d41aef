// Alert settings and the alert dispatcher's memory on PostgreSQL. Channel
// secrets arrive sealed; this file never sees them in clear.
import type { Selectable } from 'kysely';
import type { AlertSettingsTable } from '../schema.ts';
import type { AlertStore, FlowFailures, StoredAlertSettings } from '../types.ts';
import type { PostgresDatabase } from './database.ts';

/** How many of a flow's newest failures an alert names. */
const SAMPLES = 3;

function toSettings(row: Selectable<AlertSettingsTable>): StoredAlertSettings {
  return { workspaceId: row.workspace_id, settings: JSON.parse(row.settings), sealedSecrets: row.sealed_secrets, updatedAt: Number(row.updated_at) };
}

export class PostgresAlertStore implements AlertStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async getSettings(workspaceId: string): Promise<StoredAlertSettings | undefined> {
    const row = await this.db.read.first(this.q.selectFrom('alert_settings').selectAll().where('workspace_id', '=', workspaceId));
    return row && toSettings(row);
  }

  async putSettings(s: { workspaceId: string; settings: unknown; sealedSecrets: string | null }, now: number): Promise<StoredAlertSettings> {
    const settings = JSON.stringify(s.settings);
    await this.db.read.run(
      this.q
        .insertInto('alert_settings')
        .values({ workspace_id: s.workspaceId, settings, sealed_secrets: s.sealedSecrets, updated_at: now })
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ settings, sealed_secrets: s.sealedSecrets, updated_at: now })),
    );
    return (await this.getSettings(s.workspaceId))!;
  }

  async listSettings(): Promise<StoredAlertSettings[]> {
    return (await this.db.read.all(this.q.selectFrom('alert_settings').selectAll().orderBy('workspace_id'))).map(toSettings);
  }

  async getState(workspaceId: string, key: string): Promise<unknown> {
    const row = await this.db.read.first(this.q.selectFrom('alert_state').select('value').where('workspace_id', '=', workspaceId).where('key', '=', key));
    return row ? JSON.parse(row.value) : undefined;
  }

  async putState(workspaceId: string, key: string, value: unknown, now: number): Promise<void> {
    const text = JSON.stringify(value);
    await this.db.read.run(
      this.q
        .insertInto('alert_state')
        .values({ workspace_id: workspaceId, key, value: text, updated_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ value: text, updated_at: now })),
    );
  }

  async deleteState(workspaceId: string, key: string): Promise<void> {
    await this.db.read.run(this.q.deleteFrom('alert_state').where('workspace_id', '=', workspaceId).where('key', '=', key));
  }

  async failuresBetween(workspaceId: string, after: number, until: number): Promise<FlowFailures[]> {
    const failed = this.q
      .selectFrom('executions')
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'failed')
      .where('finished_at', '>', after)
      .where('finished_at', '<=', until);
    const counts = await this.db.read.all(failed.select((eb) => ['flow_id', eb.fn.countAll<number>().as('n')]).groupBy('flow_id').orderBy('flow_id'));
    const result: FlowFailures[] = [];
    for (const c of counts) {
      const rows = await this.db.read.all(failed.where('flow_id', '=', c.flow_id).select(['id', 'error', 'error_step', 'finished_at']).orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(SAMPLES));
      result.push({ flowId: c.flow_id, count: Number(c.n), samples: rows.map((r) => ({ id: r.id, error: r.error, errorStep: r.error_step, finishedAt: Number(r.finished_at) })) });
    }
    return result;
  }

  async failingPolls(workspaceId: string): Promise<Array<{ flowId: string; error: string; lastRunAt: number | null }>> {
    const rows = await this.db.read.all(
      this.q
        .selectFrom('trigger_state')
        .innerJoin('flows', 'flows.id', 'trigger_state.flow_id')
        .where('flows.workspace_id', '=', workspaceId)
        .where('flows.enabled', '=', 1)
        .where('trigger_state.last_error', 'is not', null)
        .select(['trigger_state.flow_id', 'trigger_state.last_error', 'trigger_state.last_run_at'])
        .orderBy('trigger_state.flow_id'),
    );
    return rows.map((r) => ({ flowId: r.flow_id, error: r.last_error!, lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at) }));
  }
}
