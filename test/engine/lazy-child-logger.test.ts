// The per-execution and per-request loggers: made on first real use, with their ids bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { lazyChild } from '../../src/lib/lazy-child-logger.ts';

/** A logger writing into `lines`, and how many children were made from it (or its children). */
function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  const logger = pino({ level }, stream);
  const made = { count: 0 };
  const protoChild = Object.getPrototypeOf(logger).child as typeof logger.child;
  // A child inherits this property: `this` is the parent.
  logger.child = function (this: pino.Logger, b: pino.Bindings) {
    made.count++;
    return protoChild.call(this, b);
  } as typeof logger.child;
  return { logger, lines, made };
}

test('a lazy child writes with its bindings, and below the level makes no child at all', async () => {
  const { logger, lines, made } = capture('info');
  const lazy = lazyChild(logger, { executionId: 'ex_1' });
  lazy.debug('not written');
  assert.equal(made.count, 0, 'a call below the level makes no child');
  lazy.info({ step: 'send' }, 'written');
  lazy.warn('again');
  assert.equal(made.count, 1, 'one child, made once');
  assert.equal(lazy.isLevelEnabled('info'), true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines.map((l) => [l.msg, l.executionId, l.step]), [['written', 'ex_1', 'send'], ['again', 'ex_1', undefined]]);
  const grandchild = lazy.child({ stepId: 's1' });
  grandchild.error('deeper');
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.at(-1)?.executionId, 'ex_1');
  assert.equal(lines.at(-1)?.stepId, 's1');
  assert.equal(made.count, 2, 'the grandchild is the lazy child\'s');
});

test('looking a method up makes no child (Fastify checks a request logger has them); calling it does', () => {
  const { logger, made } = capture('warn');
  const lazy = lazyChild(logger, { reqId: 'r1' });
  for (const method of ['info', 'error', 'debug', 'fatal', 'warn', 'trace', 'child'] as const) assert.equal(typeof lazy[method], 'function');
  assert.equal(made.count, 0);
  lazy.error('written');
  assert.equal(made.count, 1);
});
