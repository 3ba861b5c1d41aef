// The store thread compresses in a worker thread, a batch per event-loop turn; what it returns must be
// byte for byte what compression.ts gives in the calling thread, in the order asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { packBytes, unpackBytes } from '../../src/store/compression.ts';
import { storeThread, packTextAsync } from '../../src/store/store-thread.ts';
import { packText } from '../../src/store/compression.ts';

test('a batch packed in the worker equals packing each in place, in order', async () => {
  const inputs = [
    Buffer.from(JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `Товар ${i}` })) })),
    randomBytes(2000), // does not shrink: kept plain behind its tag
    Buffer.from('short'),
    Buffer.from('x'.repeat(5000)),
    Buffer.alloc(0),
  ];
  const packed = await Promise.all(inputs.map((b) => storeThread.pack(b)));
  assert.equal(packed.length, inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    assert.deepEqual(Buffer.from(packed[i]), Buffer.from(packBytes(inputs[i])), `item ${i}`);
    assert.deepEqual(unpackBytes(packed[i]), inputs[i]);
  }
  // A second turn's batch works the same.
  assert.deepEqual(Buffer.from(await storeThread.pack(inputs[0])), Buffer.from(packBytes(inputs[0])));
});

test('journal text packed off the main thread matches packText', async () => {
  const long = JSON.stringify({ order: { items: Array.from({ length: 30 }, (_, i) => ({ sku: `SKU-${i}` })) } });
  for (const text of [long, '{"a":1}']) {
    const async = await packTextAsync(text);
    const sync = packText(text);
    assert.equal(typeof async, typeof sync);
    assert.deepEqual(typeof async === 'string' ? async : Buffer.from(async), typeof sync === 'string' ? sync : Buffer.from(sync));
  }
});
