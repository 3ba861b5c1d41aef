// The data directory is the service user's alone: 0700, and the database, its WAL and shared
// memory, and the master key 0600 — on a fresh start, after an older install left them readable,
// and for whatever the process writes afterwards (umask 077). What `serve` and every CLI command
// open goes through openServices, which is what these tests call.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openServices } from '../../src/app.ts';
import { testConfig } from '../support/app.ts';
import { SQLITE_ONLY } from '../support/database.ts';

const posix = process.platform !== 'win32';
const root = mkdtempSync(join(tmpdir(), 'svyazka-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const FILES = ['svyazka.db', 'svyazka.db-wal', 'svyazka.db-shm', 'secret.key'];

async function open(dataDir: string) {
  const s = await openServices(testConfig(dataDir));
  // A write, so the WAL holds something and its files surely exist.
  await s.store.ensureWorkspace('files-test', 'Files');
  return s;
}

test('a fresh data dir is 0700 and the database files and key 0600', { skip: SQLITE_ONLY || (!posix && 'file modes are POSIX') }, async () => {
  const dataDir = join(root, 'fresh', 'data');
  const s = await open(dataDir);
  try {
    assert.equal(modeOf(dataDir), '700');
    for (const file of FILES) assert.equal(modeOf(join(dataDir, file)), '600', file);
    // Anything the process writes later is private too (umask 077).
    writeFileSync(join(dataDir, 'export.csv'), 'a,b\n');
    assert.equal(modeOf(join(dataDir, 'export.csv')), '600');
  } finally {
    await s.store.close();
  }
});

test('an older install left readable is tightened on the next start', { skip: SQLITE_ONLY || (!posix && 'file modes are POSIX') }, async () => {
  const dataDir = join(root, 'older');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  const first = await open(dataDir);
  // What the attacker found: 0644 files in a 0755 directory, as an earlier version left them.
  for (const file of FILES) chmodSync(join(dataDir, file), 0o644);
  chmodSync(dataDir, 0o755);
  assert.equal(modeOf(join(dataDir, 'svyazka.db')), '644');

  const second = await open(dataDir);
  try {
    assert.equal(modeOf(dataDir), '700');
    for (const file of FILES) assert.equal(modeOf(join(dataDir, file)), '600', file);
  } finally {
    await second.store.close();
    await first.store.close();
  }
});
