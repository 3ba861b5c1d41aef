// Under load the WAL is checkpointed by the store thread, not inside a COMMIT on the main thread:
// the main connection checkpoints only past a cap (2000 pages), what it commits reaches the
// database file all the same, and closing still leaves no WAL behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from '../support/app.ts';
import { SqliteDatabase } from '../../src/store/sqlite/database.ts';

/** Polls `check` (bounded: 400 × 25 ms) until it holds. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${what}: not within 10 s`);
}

test('after the first group commits the store thread checkpoints the WAL; the main connection only past its cap', async () => {
  const dir = tempDataDir();
  const path = join(dir, 'wal.db');
  const db = new SqliteDatabase(path, { checkpointAfterCommits: 1, checkpointEveryMs: 20 });
  try {
    db.raw.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    const autocheckpoint = () => (db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
    assert.equal(autocheckpoint(), 1000, "SQLite's own checkpoints until then");

    await db.write(() => db.runSql('INSERT INTO blobs (data) VALUES (?)', [randomBytes(16)]), { rerunnable: true });
    await eventually('the main connection hands checkpoints over', () => autocheckpoint() === 2000);

    // ~1 MB in ten group commits: ~70 pages, far under the 1000 that would make SQLite checkpoint
    // in a COMMIT — only a checkpoint by another connection grows the database file.
    const before = statSync(path).size;
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => db.write(() => db.runSql('INSERT INTO blobs (data) VALUES (?)', [randomBytes(10_000)]), { rerunnable: true })));
    }
    await eventually('the committed pages reach the database file', () => statSync(path).size >= before + 1_000_000);
    assert.equal(db.allSql<{ n: number }>('SELECT count(*) AS n FROM blobs', [])[0].n, 101);
  } finally {
    await db.close();
  }
  assert.equal(existsSync(`${path}-wal`), false, 'the last connection to close checkpointed and removed the WAL');
  const reopened = new SqliteDatabase(path);
  assert.equal(reopened.allSql<{ n: number }>('SELECT count(*) AS n FROM blobs', [])[0].n, 101);
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two connections to one file hand over together and each closes without waiting on the other', async () => {
  const dir = tempDataDir();
  const path = join(dir, 'twice.db');
  const first = new SqliteDatabase(path, { checkpointAfterCommits: 1, checkpointEveryMs: 20 });
  first.raw.exec('CREATE TABLE t (k INTEGER PRIMARY KEY)');
  const second = new SqliteDatabase(path, { checkpointAfterCommits: 1, checkpointEveryMs: 20 });
  const autocheckpoint = (db: SqliteDatabase) => (db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
  // Both reach their first commit in the same turn: both ask the thread at once.
  await Promise.all([first.write(() => first.runSql('INSERT INTO t (k) VALUES (1)', [])), second.write(() => second.runSql('INSERT INTO t (k) VALUES (2)', []))]);
  await eventually('both hand checkpoints over', () => autocheckpoint(first) === 2000 && autocheckpoint(second) === 2000);
  await first.close();
  await second.write(() => second.runSql('INSERT INTO t (k) VALUES (3)', []));
  assert.deepEqual(second.allSql<{ k: number }>('SELECT k FROM t ORDER BY k', []).map((r) => r.k), [1, 2, 3]);
  await second.close();
  assert.equal(existsSync(`${path}-wal`), false);
  rmSync(dir, { recursive: true, force: true });
});
