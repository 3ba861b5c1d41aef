// The embedded queue's flow control for intake (room()): null while the line is short; held back
// while more executions than the backlog wait for a worker, and let go one per place the line has
// below the backlog (oldest first), when the queue stops, or after the longest hold.
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

test('room() is null while few executions wait, and lets held webhooks go one per place the line has below the backlog, oldest first', async () => {
  const q = new EmbeddedQueue({ concurrency: 1, backlog: 4 });
  const h = gatedHandler();
  q.start(h.handler);
  await q.push(['a', 'b', 'c', 'd', 'e'].map((executionId) => ({ executionId })));
  assert.deepEqual(q.depth(), { ready: 4, scheduled: 0, running: 1 });
  assert.equal(q.room(60_000), null, 'four waiting is not more than the backlog');

  await q.push([{ executionId: 'f' }, { executionId: 'g' }]);
  const opened: string[] = [];
  for (const name of ['first', 'second', 'third']) {
    const room = q.room(60_000);
    assert.ok(room, `${name}: six waiting is over the backlog of four`);
    void room.then(() => opened.push(name));
  }

  await h.release(); // a ends, b starts: c, d, e, f, g wait — still over the backlog
  assert.deepEqual(opened, []);
  await h.release(); // b ends, c starts: four wait — no place below the backlog yet
  assert.deepEqual(opened, []);
  await h.release(); // c ends, d starts: three wait — one place
  assert.deepEqual(opened, ['first'], 'one place lets one webhook go, the one held longest');
  // A newcomer first gives the place "first" has not taken up yet to "second", then waits behind "third".
  assert.ok(q.room(60_000), 'a newcomer waits behind the webhooks still held');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(opened, ['first', 'second']);
  await h.release(); // d ends, e starts: two wait — two places
  assert.deepEqual(opened, ['first', 'second', 'third']);
  assert.deepEqual(h.started, ['a', 'b', 'c', 'd', 'e']);
  for (let i = 0; i < 3; i++) await h.release();
  await q.stop();
});

test('with nothing left running, a webhook asking for room lets go those still held first, then goes itself', async () => {
  const q = new EmbeddedQueue({ concurrency: 1, backlog: 1 });
  await q.push(['a', 'b', 'c'].map((executionId) => ({ executionId }))); // no handler yet: three wait
  const opened: string[] = [];
  for (const name of ['first', 'second', 'third']) void q.room(60_000)!.then(() => opened.push(name));
  const h = gatedHandler();
  q.start(h.handler); // a runs; b, c wait
  await h.release(); // b runs; c waits: at the backlog, no place below it
  assert.deepEqual(opened, []);
  await h.release(); // c runs; none waits: one place
  assert.deepEqual(opened, ['first']);
  await h.release(); // c ends: one place again (what "first" sends has not come yet)
  assert.deepEqual(opened, ['first', 'second']);
  // Nothing runs now, so no execution will start to let "third" go: the next webhook does, before itself.
  assert.equal(q.room(60_000), null);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(opened, ['first', 'second', 'third']);
  await q.stop();
  assert.equal(q.room(60_000), null, 'a stopped queue holds nothing');
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
  const q = new EmbeddedQueue({ concurrency: 2 }); // the backlog is the concurrency: 2
  await q.push([{ executionId: 'e0' }, { executionId: 'e1' }]);
  assert.equal(q.room(60_000), null);
  await q.push([{ executionId: 'e2' }]);
  const held = q.room(5);
  assert.ok(held);
  await held;
});
