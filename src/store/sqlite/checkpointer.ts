// WAL checkpoints off the write path. By default SQLite checkpoints inside the COMMIT that makes the
// WAL pass 1,000 pages: that write then copies pages into the database file and, with
// synchronous=NORMAL, fsyncs both files — a stall of tens to hundreds of milliseconds for every
// webhook waiting on that group commit (bench/retention saw it as a p99 twice the usual). The
// server instead checkpoints from a worker thread on its own connection, PASSIVE (it never blocks
// a writer or a reader), every 250 ms; the write path keeps a far larger auto-checkpoint as a
// safety net should the thread fall behind, and the WAL file is cut back after it is reused.
// Durability is unchanged: what a COMMIT wrote to the WAL is what a crash keeps.
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.ts';

const EVERY_MS = 250;
/** Pages (16 KB) after which a COMMIT checkpoints by itself anyway: 256 MB of WAL. */
const SAFETY_NET_PAGES = 16_384;
/** The WAL file is truncated to this once it restarts from the beginning. */
const WAL_KEEP_BYTES = 64 * 1024 * 1024;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function checkpointInBackground(db: SqliteDatabase, onError: (message: string) => void): Checkpointer {
  if (db.path === ':memory:') return { stop: async () => undefined };
  db.raw.exec(`PRAGMA wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  db.raw.exec(`PRAGMA journal_size_limit = ${WAL_KEEP_BYTES}`);
  const worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), { workerData: { path: db.path, everyMs: EVERY_MS }, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
  let lastError = '';
  worker.on('message', (m: { kind: 'done' } | { kind: 'error'; message: string }) => {
    // One line per new problem, not one every 250 ms.
    if (m.kind === 'error' && m.message !== lastError) onError(m.message);
    lastError = m.kind === 'error' ? m.message : '';
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) => {
    // Without the thread, COMMITs checkpoint by themselves again, as SQLite does by default.
    onError(`the checkpoint thread stopped: ${error.message}; checkpoints go back to the write path`);
    db.raw.exec('PRAGMA wal_autocheckpoint = 1000');
  });
  worker.unref();
  return {
    async stop() {
      worker.postMessage('stop');
      await exited;
      db.raw.exec('PRAGMA wal_autocheckpoint = 1000');
    },
  };
}
