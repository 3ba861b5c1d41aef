// Circuits and their waiting executions on the embedded SQLite database. Every change is one
// group-committed write; the compare-and-set on `version` makes a transition apply once even when
// a CLI process changes the same circuit.
import type { CircuitRecord, CircuitStore, CircuitWait } from '../circuit-store.ts';
import { circuitQueries as queries, circuitRow, drainWaiter, toCircuit } from '../circuit-rows.ts';
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
    const row = this.db.first(queries.byKey(this.q, key));
    return row && toCircuit(row);
  }

  async listActive(): Promise<CircuitRecord[]> {
    return this.db.all(queries.active(this.q)).map(toCircuit);
  }

  async listForWorkspace(workspaceId: string): Promise<CircuitRecord[]> {
    return this.db.all(queries.ofWorkspace(this.q, workspaceId)).map(toCircuit);
  }

  async put(next: CircuitRecord, expected: number): Promise<boolean> {
    const row = circuitRow(next, expected + 1);
    const changed = await this.db.write(() => this.db.run(expected === 0 ? queries.insert(this.q, row) : queries.update(this.q, row, expected)));
    return changed > 0;
  }

  async park(wait: CircuitWait): Promise<void> {
    await this.db.write(() => this.db.run(queries.park(this.q, wait)));
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
          this.db.run(queries.requeue(this.q, w.id, runAt, now));
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
    for (const r of this.db.all(queries.waitingCounts(this.q, keys))) out.set(r.circuit_key, Number(r.n));
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
          const n = this.db.run(queries.failExecution(this.q, w.id, w.step_id, error, now));
          if (n > 0) this.db.run(queries.failStep(this.q, w.id, w.step_id, error, now));
          failed += n;
        }
        this.db.run(this.q.deleteFrom('circuit_waits').where('execution_id', '=', w.id));
      }
      return failed;
    });
  }
}
