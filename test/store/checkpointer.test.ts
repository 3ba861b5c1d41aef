// WAL checkpoints run in a background thread: the database file takes the WAL's pages although no
// COMMIT checkpointed (the write path's own auto-checkpoint is set far above what is written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from '../support/app.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { checkpointInBackground } from '../../src/store/sqlite/checkpointer.ts';

test('the checkpoint thread moves committed pages into the database file; stop() ends it', async () => {
  const dir = tempDataDir();
  const path = join(dir, 'svyazka.db');
  const store = new SqliteStore(path);
  await store.migrate();
  const errors: string[] = [];
  const checkpoints = checkpointInBackground(store.db, (m) => errors.push(m));
  try {
    const autocheckpoint = () => Number((store.db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint);
    assert.equal(autocheckpoint(), 16_384, 'COMMITs leave checkpoints to the thread');
    const before = statSync(path).size;
    store.db.raw.exec('CREATE TABLE filler (v BLOB)');
    const insert = store.db.raw.prepare('INSERT INTO filler (v) VALUES (randomblob(8000))');
    // ~4 MB in 500 commits: far under the 16,384-page safety net, so only the thread checkpoints.
    for (let i = 0; i < 500; i++) await store.db.write(() => insert.run());
    let grown = false;
    for (let waited = 0; waited < 200 && !grown; waited++) {
      grown = statSync(path).size > before + 3_000_000;
      if (!grown) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(grown, `the database file took the WAL's pages (${before} → ${statSync(path).size} bytes)`);
    assert.deepEqual(errors, []);
    await checkpoints.stop();
    assert.equal(autocheckpoint(), 1000, 'after stop() COMMITs checkpoint by themselves again');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
