// Long journal entries are kept compressed on SQLite and read back exactly; bodies stored with the
// earlier zstd coding still read; short entries stay plain text. Runs on SQLite (PostgreSQL keeps
// journal text as is: its TOAST compresses long values by itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { tempDataDir } from '../support/app.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { decodeRaw } from '../../src/store/stored-body.ts';
import { packText, unpackText } from '../../src/store/compression.ts';
import type { StepRecord } from '../../src/store/types.ts';

const items = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, name: `Кофеварка капельная №${i}`, price: 7990.1 + i, sku: `SKU-${1000 + i}` }));

function step(executionId: string, input: unknown, output: unknown): StepRecord {
  return {
    executionId, stepId: 'send', idx: 0, type: 'action', status: 'succeeded', input, output, error: null,
    attempts: 1, transactions: 1, resumeAt: null, startedAt: 1, finishedAt: 2, sealedOutput: null,
  };
}

test('a long step input is stored compressed and reads back equal; a short output stays text', async () => {
  const dir = tempDataDir();
  const store = new SqliteStore(join(dir, 'svyazka.db'));
  await store.migrate();
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    await store.createExecution({ id: 'ex_1', workspaceId: ws.id, flowId: 'flw_1', flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: 0 });
    const input = { method: 'POST', url: '/orders', body: { number: 'A-1', items } };
    const output = { status: 200, data: { ok: true } };
    await store.saveStepAndExecution(step('ex_1', input, output), 'ex_1', { startedAt: 1 });

    const row = store.db.allSql<{ input: unknown; output: unknown }>('SELECT input, output FROM execution_steps WHERE execution_id = ?', ['ex_1'])[0];
    assert.ok(row.input instanceof Uint8Array, 'the long input is kept as packed bytes');
    assert.ok((row.input as Uint8Array).length < JSON.stringify(input).length * 0.7, `smaller: ${(row.input as Uint8Array).length} of ${JSON.stringify(input).length}`);
    assert.equal(typeof row.output, 'string', 'a short output stays JSON text');

    const [read] = await store.listSteps('ex_1');
    assert.deepEqual(read.input, input);
    assert.deepEqual(read.output, output);
    assert.deepEqual((await store.loadExecution('ex_1'))?.steps[0].input, input, 'the executor reads it back too');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packText keeps text it cannot shrink, and round-trips text it packs', () => {
  const short = JSON.stringify({ a: 1 });
  assert.equal(packText(short), short);
  const random = JSON.stringify({ noise: Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 7919) % 251)).toString('base64') });
  const long = JSON.stringify({ items, note: 'ё'.repeat(300) });
  assert.equal(unpackText(packText(long)), long);
  assert.equal(unpackText(packText(random)), random);
  assert.equal(unpackText(null), null);
});

test('a body stored with the earlier zstd coding (tag 1) still reads', () => {
  const body = Buffer.from(JSON.stringify({ items }));
  const stored = Buffer.concat([Buffer.from([1]), zstdCompressSync(body)]);
  assert.deepEqual(decodeRaw(stored), body);
  assert.throws(() => decodeRaw(Buffer.from([9, 1, 2])), /Unknown stored coding 9/);
});
