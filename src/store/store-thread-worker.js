// The store's worker thread (see store-thread.ts), with two jobs that would otherwise stall the main one:
// - packing: each batch it is sent goes back in one transferred buffer — for each item exactly
//   what compression.ts packBytes gives, with the tags and threshold it is started with (workerData);
// - WAL checkpoints of the SQLite files it is told to watch: on its own connection, every
//   `everyMs`, PASSIVE (never waiting for the writer). Left to the writing connection, SQLite runs
//   one inside a COMMIT every 1000 pages — 16 MB with 16 KB pages, copied back and fsynced while
//   the event loop waits: under load 3–4 % of commits, 8–30 ms each, two thirds of commit time.
// Plain JavaScript on purpose: a thread that loads a .ts module loads Node's type stripper too,
// ~17 MB more RSS (39 vs 22 MB) — one thread does both jobs for the same reason.
import { parentPort, workerData } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';
import { DatabaseSync } from 'node:sqlite';

/** @type {{ plainTag: number, deflateTag: number, packFrom: number }} */
const coding = workerData;

// This thread's buffers are freed as soon as they are used (detached, below) rather than when its
// small heap is next collected, thousands of calls later: pooled ones could not be (a slab of
// Node's 64 KB pool is shared), so nothing here is pooled. Under load that garbage was ~20 MB of
// RSS (bench/e2e; heaptrack showed the pool slabs).
Buffer.poolSize = 0;

/**
 * Writes the packed form of `bytes` (tag, then the bytes deflated or as they are) into `out` at
 * `offset`, which has room for bytes.length + 1; returns its length. Written in place, so a batch
 * costs this thread one buffer, not one per item.
 * @param {Uint8Array} bytes @param {Uint8Array} out @param {number} offset
 */
function packInto(bytes, out, offset) {
  if (bytes.length >= coding.packFrom) {
    // One output chunk the size of the input (deflate's output is the same whatever the chunks),
    // not zlib's default 16 KB.
    const packed = deflateRawSync(bytes, { chunkSize: Math.max(64, bytes.length) });
    const length = packed.length;
    const smaller = length + 1 < bytes.length;
    if (smaller) {
      out[offset] = coding.deflateTag;
      out.set(packed, offset + 1);
    }
    packed.buffer.transfer(0);
    if (smaller) return length + 1;
  }
  out[offset] = coding.plainTag;
  out.set(bytes, offset + 1);
  return bytes.length + 1;
}

/** @type {Map<string, { db: DatabaseSync, timer: ReturnType<typeof setInterval>, watchers: number }>} */
const watched = new Map();

/** @param {string} path @param {number} everyMs */
function watch(path, everyMs) {
  const w = watched.get(path);
  if (w) {
    w.watchers++;
    return;
  }
  const db = new DatabaseSync(path);
  db.exec('PRAGMA busy_timeout = 5000');
  // It reads only the WAL and the pages it copies: no cache of its own to speak of.
  db.exec('PRAGMA cache_size = -64');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch (error) {
      // Busy or out of space: the next tick tries again; the WAL keeps every commit meanwhile.
      if (!/busy|locked|full/i.test(String(error))) throw error;
    }
  }, everyMs);
  watched.set(path, { db, timer, watchers: 1 });
}

/** @param {string} path */
function unwatch(path) {
  const w = watched.get(path);
  if (!w || --w.watchers > 0) return;
  clearInterval(w.timer);
  w.db.close();
  watched.delete(path);
}

parentPort.on('message', (/** @type {{ id: number, buffer: ArrayBuffer, lengths: number[] } | { watch: string, everyMs: number, ask: number } | { unwatch: string, ask: number }} */ msg) => {
  if ('watch' in msg || 'unwatch' in msg) {
    try {
      if ('watch' in msg) watch(msg.watch, msg.everyMs);
      else unwatch(msg.unwatch);
      parentPort.postMessage({ ask: msg.ask });
    } catch (error) {
      parentPort.postMessage({ ask: msg.ask, error: String(error) });
    }
    return;
  }
  const req = msg;
  const input = new Uint8Array(req.buffer);
  // Packed, each item is at most one byte longer than it came.
  const buffer = new ArrayBuffer(input.length + req.lengths.length);
  const out = new Uint8Array(buffer);
  /** @type {number[]} */
  const lengths = [];
  let at = 0;
  let offset = 0;
  for (const length of req.lengths) {
    const written = packInto(input.subarray(at, at + length), out, offset);
    at += length;
    offset += written;
    lengths.push(written);
  }
  req.buffer.transfer(0);
  parentPort.postMessage({ id: req.id, buffer, lengths }, [buffer]);
});
