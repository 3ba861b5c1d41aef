// Circuits and their waiting executions on the embedded SQLite database. Every change is one
// group-committed write; the compare-and-set on `version` makes a transition apply once even when
// a CLI process changes the same circuit.
import type { CircuitRecord, CircuitStore, CircuitWait } from '../circuit-store.ts';
import { circuitRow, drainWaiter, toCircuit, WAITING_FOR_SERVICE } from '../circuit-rows.ts';
import type { SqliteDatabase } from './database.ts';

export class SqliteCircuitStore implements CircuitStore {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async get(key: string): Promise<CircuitRecord | undefined> {
    const row = this.db.first(this.q.selectFrom('circuits').selectAll().where('key', '=', key));
    return row && toCircuit(row);
  }

  async listActive(): Promise<CircuitRecord[]> {
    const rows = this.db.all(
      this.q
        .selectFrom('circuits')
        .selectAll()
        .where((eb) => eb.or([eb('state', '!=', 'closed'), eb.exists(eb.selectFrom('circuit_waits').select('execution_id').whereRef('circuit_waits.circuit_key', '=', 'circuits.key'))])),
    );
    return rows.map(toCircuit);
  }

  async listForWorkspace(workspaceId: string): Promise<CircuitRecord[]> {
    return this.db.all(this.q.selectFrom('circuits').selectAll().where('workspace_id', '=', workspaceId)).map(toCircuit);
  }

  async put(next: CircuitRecord, expected: number): Promise<boolean> {
    const row = circuitRow(next, expected + 1);
    const changed = await this.db.write(() => {
      if (expected === 0) return this.db.run(this.q.insertInto('circuits').values(row).onConflict((oc) => oc.column('key').doNothing()));
      return this.db.run(this.q.updateTable('circuits').set(row).where('key', '=', next.key).where('version', '=', expected));
    });
    return changed > 0;
  }

  async park(wait: CircuitWait): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('circuit_waits')
          .values({ execution_id: wait.executionId, circuit_key: wait.circuitKey, workspace_id: wait.workspaceId, step_id: wait.stepId, since: Math.round(wait.since) })
          .onConflict((oc) => oc.column('execution_id').doUpdateSet({ circuit_key: wait.circuitKey, step_id: wait.stepId })),
      ),
    );
  }

  async release(key: string, now: number, spacingMs: number, limit: number): Promise<Array<{ executionId: string; runAt: number }>> {
    return this.db.write(() => {
      const waits = this.db.all(
        this.q
          .selectFrom('circuit_waits')
          .leftJoin('executions', 'executions.id', 'circuit_waits.execution_id')
          .select(['circuit_waits.execution_id as id', 'executions.status as status'])
          .where('circuit_waits.circuit_key', '=', key)
          .orderBy('circuit_waits.since')
          .orderBy('circuit_waits.execution_id')
          .limit(limit),
      );
      const out: Array<{ executionId: string; runAt: number }> = [];
      for (const w of waits) {
        const action = drainWaiter(w.status);
        if (action === 'keep') continue;
        if (action === 'release') {
          const runAt = Math.round(now + out.length * spacingMs);
          this.db.run(this.q.updateTable('executions').set({ status: 'queued', next_run_at: runAt, updated_at: Math.round(now) }).where('id', '=', w.id));
          out.push({ executionId: w.id, runAt });
        }
        this.db.run(this.q.deleteFrom('circuit_waits').where('execution_id', '=', w.id));
      }
      return out;
    });
  }

  async waitingCounts(keys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keys.length === 0) return out;
    const rows = this.db.all(
      this.q.selectFrom('circuit_waits').select((eb) => ['circuit_key', eb.fn.countAll<number>().as('n')]).where('circuit_key', 'in', keys).groupBy('circuit_key'),
    );
    for (const r of rows) out.set(r.circuit_key, Number(r.n));
    return out;
  }

  async failWaiting(key: string, error: string, now: number): Promise<number> {
    return this.db.write(() => {
      const waits = this.db.all(
        this.q
          .selectFrom('circuit_waits')
          .leftJoin('executions', 'executions.id', 'circuit_waits.execution_id')
          .select(['circuit_waits.execution_id as id', 'circuit_waits.step_id as step_id', 'executions.status as status'])
          .where('circuit_waits.circuit_key', '=', key),
      );
      let failed = 0;
      for (const w of waits) {
        const action = drainWaiter(w.status);
        // Parking right now: it waits like any other once its status is written.
        if (action === 'keep') continue;
        if (action === 'release') {
          const n = this.db.run(
            this.q
              .updateTable('executions')
              .set({ status: 'failed', error, error_step: w.step_id, finished_at: Math.round(now), updated_at: Math.round(now) })
              .where('id', '=', w.id)
              .where('status', '=', WAITING_FOR_SERVICE),
          );
          if (n > 0) {
            this.db.run(
              this.q.updateTable('execution_steps').set({ status: 'failed', error, finished_at: Math.round(now), resume_at: null }).where('execution_id', '=', w.id).where('step_id', '=', w.step_id),
            );
          }
          failed += n;
        }
        this.db.run(this.q.deleteFrom('circuit_waits').where('execution_id', '=', w.id));
      }
      return failed;
    });
  }
}
