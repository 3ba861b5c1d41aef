// The embedded queue's flow control for intake (room()): null while the line is short; held back
// while more executions than the backlog wait for a worker, and let go once the line is down to
// three quarters of it, when the queue stops, or after the longest hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedQueue } from '../../src/queue/embedded-queue.ts';

/** A handler whose runs each wait for release(); `started` lists the ids in the order they began. */
function gatedHandler() {
  const gates: Array<() => void> = [];
  const started: string[] = [];
  return {
    started,
    handler: (id: string) =>
      new Promise<void>((resolve) => {
        started.push(id);
        gates.push(resolve);
      }),
    /** Ends the oldest running execution and lets the queue start the next. */
    async release() {
      gates.shift()!();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

test('room() is null while few executions wait, and holds intake back past the backlog until three quarters of it are left', async () => {
  const q = new EmbeddedQueue({ concurrency: 1, backlog: 4 });
  const h = gatedHandler();
  q.start(h.handler);
  await q.push(['a', 'b', 'c', 'd', 'e'].map((executionId) => ({ executionId })));
  assert.deepEqual(q.depth(), { ready: 4, scheduled: 0, running: 1 });
  assert.equal(q.room(60_000), null, 'four waiting is not more than the backlog');

  await q.push([{ executionId: 'f' }]);
  const room = q.room(60_000);
  assert.ok(room, 'five waiting is over the backlog of four');
  let open = false;
  void room.then(() => (open = true));

  await h.release(); // a ends, b starts: c, d, e, f wait
  assert.equal(open, false, 'four still wait: more than three quarters of the backlog');
  await h.release(); // b ends, c starts: d, e, f wait
  assert.equal(open, true, 'three waiting is three quarters of the backlog: intake goes on');
  assert.deepEqual(h.started, ['a', 'b', 'c']);
  for (let i = 0; i < 4; i++) await h.release();
  await q.stop();
});

test('room() lets go after the longest hold even when nothing moves, and when the queue stops', async () => {
  const q = new EmbeddedQueue({ concurrency: 1, backlog: 1 });
  const h = gatedHandler();
  q.start(h.handler);
  await q.push([{ executionId: 'a' }, { executionId: 'b' }, { executionId: 'c' }]);
  const held = q.room(5);
  assert.ok(held);
  await held; // settles by its timer: nothing ran meanwhile
  assert.deepEqual(h.started, ['a']);

  const untilStop = q.room(60_000);
  assert.ok(untilStop);
  const stopped = q.stop();
  await untilStop; // settles because the queue stopped, long before its 60 s
  await h.release();
  await stopped;
});

test('without a handler started, room() still holds and lets go by its timer', async () => {
  const q = new EmbeddedQueue({ concurrency: 2 }); // backlog 4 × concurrency = 8
  await q.push(Array.from({ length: 8 }, (_, i) => ({ executionId: `e${i}` })));
  assert.equal(q.room(60_000), null);
  await q.push([{ executionId: 'e8' }]);
  const held = q.room(5);
  assert.ok(held);
  await held;
});
