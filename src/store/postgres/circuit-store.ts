// Circuits and their waiting executions on PostgreSQL. Transitions are compare-and-set on
// `version`, so among several workers one wins each; the drain takes its waiters with
// FOR UPDATE SKIP LOCKED, so two workers draining at once never queue one execution twice.
import type { CircuitRecord, CircuitStore, CircuitWait } from '../circuit-store.ts';
import { circuitQueries as queries, circuitRow, drainWaiter, toCircuit } from '../circuit-rows.ts';
import type { PostgresDatabase } from './database.ts';

/** The circuit's line, oldest first, with each waiter's status; locked, so two drains never take one waiter. */
const LINE = `SELECT w.execution_id AS id, e.status FROM circuit_waits w LEFT JOIN executions e ON e.id = w.execution_id
  WHERE w.circuit_key = $1 ORDER BY w.since, w.execution_id LIMIT $2 FOR UPDATE OF w SKIP LOCKED`;
/** The whole line with each waiter's step and status, locked (failWaiting). */
const WHOLE_LINE = `SELECT w.execution_id AS id, w.step_id, e.status FROM circuit_waits w LEFT JOIN executions e ON e.id = w.execution_id
  WHERE w.circuit_key = $1 FOR UPDATE OF w SKIP LOCKED`;

export class PostgresCircuitStore implements CircuitStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async get(key: string): Promise<CircuitRecord | undefined> {
    const row = await this.db.read.first(queries.byKey(this.q, key));
    return row && toCircuit(row);
  }

  async listActive(): Promise<CircuitRecord[]> {
    return (await this.db.read.all(queries.active(this.q))).map(toCircuit);
  }

  async listForWorkspace(workspaceId: string): Promise<CircuitRecord[]> {
    return (await this.db.read.all(queries.ofWorkspace(this.q, workspaceId))).map(toCircuit);
  }

  async put(next: CircuitRecord, expected: number): Promise<boolean> {
    const row = circuitRow(next, expected + 1);
    return (await this.db.read.run(expected === 0 ? queries.insert(this.q, row) : queries.update(this.q, row, expected))) > 0;
  }

  async park(wait: CircuitWait): Promise<void> {
    await this.db.read.run(queries.park(this.q, wait));
  }

  async release(key: string, now: number, spacingMs: number, limit: number): Promise<Array<{ executionId: string; runAt: number }>> {
    return this.db.transaction(async (tx) => {
      const waits = await tx.allSql<{ id: string; status: string | null }>(LINE, [key, limit]);
      const out: Array<{ executionId: string; runAt: number }> = [];
      const done: string[] = [];
      for (const w of waits) {
        const action = drainWaiter(w.status);
        if (action === 'keep') continue;
        if (action === 'release') {
          const runAt = Math.round(now + out.length * spacingMs);
          await tx.run(queries.requeue(this.q, w.id, runAt, now));
          out.push({ executionId: w.id, runAt });
        }
        done.push(w.id);
      }
      if (done.length > 0) await tx.runSql('DELETE FROM circuit_waits WHERE execution_id = ANY($1::text[])', [done]);
      return out;
    });
  }

  async waitingCounts(keys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keys.length === 0) return out;
    for (const r of await this.db.read.all(queries.waitingCounts(this.q, keys))) out.set(r.circuit_key, Number(r.n));
    return out;
  }

  async failWaiting(key: string, error: string, now: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const waits = await tx.allSql<{ id: string; step_id: string; status: string | null }>(WHOLE_LINE, [key]);
      let failed = 0;
      const done: string[] = [];
      for (const w of waits) {
        const action = drainWaiter(w.status);
        // Parking right now: it waits like any other once its status is written.
        if (action === 'keep') continue;
        if (action === 'release') {
          const n = await tx.run(queries.failExecution(this.q, w.id, w.step_id, error, now));
          if (n > 0) await tx.run(queries.failStep(this.q, w.id, w.step_id, error, now));
          failed += n;
        }
        done.push(w.id);
      }
      if (done.length > 0) await tx.runSql('DELETE FROM circuit_waits WHERE execution_id = ANY($1::text[])', [done]);
      return failed;
    });
  }
}
