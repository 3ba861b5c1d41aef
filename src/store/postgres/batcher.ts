// Group commit on PostgreSQL: writes submitted while earlier ones are in flight are gathered and
// written together in one transaction (one COMMIT, one WAL flush, multi-row statements), and each
// submitter's promise resolves only after that COMMIT. It plays the SQLite group commit's role for
// the hot write, the webhook intake. A failed batch is written again item by item, each in its
// own transaction, so one bad item fails alone and the others still land — unless the disk is
// full: that is no item's fault, each would be refused again, and 200 more refused transactions
// would only add load to a server already out of space, so every item is rejected with the error.
import { isStorageFull } from '../storage-errors.ts';
import type { PostgresDatabase, Queries } from './database.ts';

interface Pending<I> {
  item: I;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Items per transaction at most. */
  maxBatch: number;
  /** Transactions in flight at once; while they are busy, new items gather for the next. */
  maxInFlight: number;
}

export class WriteBatcher<I> {
  private readonly db: PostgresDatabase;
  private readonly writeBatch: (tx: Queries, items: readonly I[]) => Promise<void>;
  private readonly opts: BatcherOptions;
  private pending: Array<Pending<I>> = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(db: PostgresDatabase, writeBatch: (tx: Queries, items: readonly I[]) => Promise<void>, opts: BatcherOptions) {
    this.db = db;
    this.writeBatch = writeBatch;
    this.opts = opts;
  }

  submit(item: I): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    // The rest of this event-loop turn's submissions join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    const batch = this.pending.splice(0, this.opts.maxBatch);
    this.inFlight++;
    try {
      await this.db.transaction((tx) => this.writeBatch(tx, batch.map((p) => p.item)));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1 || isStorageFull(error)) for (const p of batch) p.reject(error);
      else await Promise.all(batch.map((p) => this.db.transaction((tx) => this.writeBatch(tx, [p.item])).then(p.resolve, p.reject)));
    } finally {
      this.inFlight--;
      this.schedule();
      if (this.inFlight === 0 && this.pending.length === 0) for (const done of this.idle.splice(0)) done();
    }
  }

  /** Resolves when nothing is pending or in flight. */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
