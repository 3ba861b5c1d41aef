// The packer's worker thread (see packer.ts): packs each batch it is sent and sends the results
// back in one transferred buffer — for each item exactly what compression.ts packBytes gives, with
// the tags and threshold it is started with (workerData). Plain JavaScript on purpose: a thread
// that loads a .ts module loads Node's type stripper too, ~17 MB more RSS (39 vs 22 MB).
import { parentPort, workerData } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';

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

parentPort.on('message', (/** @type {{ id: number, buffer: ArrayBuffer, lengths: number[] }} */ req) => {
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
