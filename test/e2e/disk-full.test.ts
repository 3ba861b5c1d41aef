// A full disk loses nothing (issue 15). The data dir sits on a small tmpfs the test mounts (root
// only): webhooks are sent until the disk is full. Every 200 must be stored; the rest get 503
// with Retry-After; /readyz says why. Then space returns (a ballast file is deleted, as an
// operator or retention would free space) and intake resumes without a restart; every accepted
// execution, and a replay, finishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestApp, tempDataDir, waitFor, type TestApp } from '../support/app.ts';
import { SQLITE_ONLY } from '../support/database.ts';

const DISK = '12m';
const BALLAST_BYTES = 1536 * 1024;
/** Bounds the fill loop: far more than a 12 MB disk holds at ~2 KB a webhook. */
const MAX_WEBHOOKS = 20_000;

function mountTmpfs(dir: string): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs for the data dir';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`;
  }
}

/** A body zstd cannot shrink much: the disk fills with what the test sends. */
function body(i: number): string {
  return JSON.stringify({ order: { number: `N-${i}`, status: 'complete', noise: randomBytes(900).toString('hex') } });
}

test('a full disk: 503 with Retry-After for what is not stored, readyz says why, intake resumes when space returns', { skip: SQLITE_ONLY }, async (t) => {
  const parent = tempDataDir();
  const dataDir = join(parent, 'data');
  mkdirSync(dataDir);
  const problem = mountTmpfs(dataDir);
  if (problem) {
    rmSync(parent, { recursive: true, force: true });
    t.skip(`skipped: ${problem}`);
    return;
  }
  let app: TestApp | null = null;
  try {
    const ballast = join(dataDir, 'ballast');
    writeFileSync(ballast, Buffer.alloc(BALLAST_BYTES));
    app = await startTestApp({ dataDir });
    const flow = await app.api('/api/v1/flows', { body: { name: 'full', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'ok', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'complete' }] }] } });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const hook = new URL(flow.json.webhookUrl).pathname;
    const send = async (i: number) => {
      const res = await fetch(app!.url + hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as { id?: string; error?: string } };
    };

    const accepted: string[] = [];
    let refused = 0;
    let i = 0;
    // Eight at a time until 50 in a row are refused.
    for (let streak = 0; streak < 50 && i < MAX_WEBHOOKS; ) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => send(i++)));
      for (const a of answers) {
        if (a.status === 200) {
          accepted.push(a.json.id!);
          streak = 0;
        } else {
          assert.equal(a.status, 503, `only 200 or 503: ${a.status} ${JSON.stringify(a.json)}`);
          assert.equal(a.json.error, 'storage_full');
          assert.ok(Number(a.retryAfter) > 0, 'Retry-After');
          refused++;
          streak++;
        }
      }
    }
    assert.ok(accepted.length > 100, `some were stored before the disk filled (${accepted.length})`);
    assert.ok(refused >= 50, `the disk filled within ${MAX_WEBHOOKS} webhooks (${refused} refused)`);
    const ready = await fetch(app.url + '/readyz');
    assert.equal(ready.status, 503);
    const readyBody = (await ready.json()) as { error: string; message: string };
    assert.equal(readyBody.error, 'storage_full');
    assert.match(readyBody.message, /disk is full/);

    // Space returns: intake takes webhooks again, with no restart.
    rmSync(ballast);
    const after = await waitFor(async () => {
      const a = await send(i++);
      return a.status === 200 ? a : null;
    }, 60_000, 'intake to accept again');
    accepted.push(after.json.id!);
    assert.equal((await fetch(app.url + '/readyz')).status, 200);

    // Every 200 is stored, and its execution finishes.
    for (const id of accepted) {
      const w = await app.api(`/api/v1/webhooks/${id}`);
      assert.equal(w.status, 200, `webhook ${id} answered 200 and must be stored`);
    }
    await waitFor(async () => {
      const unfinished = await app!.services.store.listUnfinished(10);
      return unfinished.length === 0;
    }, 120_000, 'every accepted execution to finish');
    const runs = await app.api(`/api/v1/executions?webhookId=${accepted[0]}`);
    assert.equal(runs.json.items[0].status, 'succeeded');
    const replay = await app.api(`/api/v1/webhooks/${accepted[0]}/replay`, { method: 'POST', body: {} });
    assert.ok(replay.status === 200 || replay.status === 201 || replay.status === 202, JSON.stringify(replay.json));
    const replayId = replay.json.id ?? replay.json.execution?.id;
    await waitFor(async () => (await app!.api(`/api/v1/executions/${replayId}`)).json.status === 'succeeded', 60_000, 'the replay to finish');
  } finally {
    await app?.close().catch(() => undefined);
    try {
      execFileSync('umount', [dataDir], { stdio: 'pipe' });
    } catch {
      // already gone with the app's close (rmSync on a mount point fails; umount first is the rule)
    }
    rmSync(parent, { recursive: true, force: true });
  }
});
