// The background checkpointer's thread (see checkpointer.ts): its own connection to the database,
// a PASSIVE checkpoint every few hundred milliseconds, until told to stop.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new DatabaseSync(path);
// A passive checkpoint never waits for a lock: busy now means "next time".
db.exec('PRAGMA busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    parentPort!.postMessage({ kind: 'done', log: r.log, checkpointed: r.checkpointed });
  } catch (error) {
    parentPort!.postMessage({ kind: 'error', message: (error as Error).message });
  }
}, everyMs);

parentPort!.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
