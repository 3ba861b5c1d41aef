// SQLite's group commit: every write submitted in one turn lands in one transaction, and a write
// that throws leaves out only its own changes. Rerunnable writes (the hot path's) share one
// savepoint; when one of them throws, the run is undone and its writes go again one by one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from '../support/app.ts';
import { SqliteDatabase } from '../../src/store/sqlite/database.ts';

async function withDatabase(fn: (db: SqliteDatabase) => Promise<void>): Promise<void> {
  const dir = tempDataDir();
  const db = new SqliteDatabase(join(dir, 'group.db'));
  try {
    db.raw.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    await fn(db);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = (db: SqliteDatabase) => db.allSql<{ k: string; v: number }>('SELECT k, v FROM t ORDER BY k', []);
const insert = (db: SqliteDatabase, k: string, v = 1) => db.runSql('INSERT INTO t (k, v) VALUES (?, ?)', [k, v]);

test('a rerunnable write that throws leaves out only its own changes; the others of its run are committed once', async () => {
  await withDatabase(async (db) => {
    const runs = new Map<string, number>();
    const counted = (k: string, fn: () => void) => () => {
      runs.set(k, (runs.get(k) ?? 0) + 1);
      fn();
      return k;
    };
    const rerunnable = { rerunnable: true };
    // One turn: a run of three rerunnable writes, one that is not, then two more rerunnable ones.
    const a = db.write(counted('a', () => insert(db, 'a')), rerunnable);
    const b = db.write(counted('b', () => {
      insert(db, 'b');
      insert(db, 'a'); // the key is taken: b's first insert must be undone as well
    }), rerunnable);
    const c = db.write(counted('c', () => insert(db, 'c')), rerunnable);
    const d = db.write(counted('d', () => insert(db, 'd')));
    const e = db.write(counted('e', () => insert(db, 'e')), rerunnable);
    const f = db.write(counted('f', () => insert(db, 'f', 6)), rerunnable);

    assert.equal(await a, 'a');
    await assert.rejects(b, /UNIQUE/);
    assert.deepEqual(await Promise.all([c, d, e, f]), ['c', 'd', 'e', 'f']);
    assert.deepEqual(rows(db).map((r) => r.k), ['a', 'c', 'd', 'e', 'f'], 'all but b, and nothing of b');
    // The run a–c stopped at b, was undone and went again one by one (c had not run yet); d is not
    // rerunnable and ran once; e–f committed in one go.
    assert.deepEqual(Object.fromEntries(runs), { a: 2, b: 2, c: 1, d: 1, e: 1, f: 1 });
  });
});

test('a write that is not rerunnable runs once even when a rerunnable one beside it throws', async () => {
  await withDatabase(async (db) => {
    let sideEffects = 0;
    const plain = db.write(() => {
      sideEffects++;
      insert(db, 'p');
    });
    const bad = db.write(() => insert(db, 'p'), { rerunnable: true });
    const good = db.write(() => insert(db, 'q'), { rerunnable: true });
    await plain;
    await assert.rejects(bad, /UNIQUE/);
    await good;
    assert.equal(sideEffects, 1);
    assert.deepEqual(rows(db).map((r) => r.k), ['p', 'q']);
  });
});
