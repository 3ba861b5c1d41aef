// The packer's worker thread (see packer.ts): packs each batch it is sent and sends the results
// back in one transferred buffer — for each item exactly what compression.ts packBytes gives, with
// the tags and threshold it is started with (workerData). Plain JavaScript on purpose: a thread
// that loads a .ts module loads Node's type stripper too, ~17 MB more RSS (39 vs 22 MB).
import { parentPort, workerData } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';

/** @type {{ plainTag: number, deflateTag: number, packFrom: number }} */
const coding = workerData;

/**
 * Writes the packed form of `bytes` (tag, then the bytes deflated or as they are) into `out` at
 * `offset`, which has room for bytes.length + 1; returns its length. Written in place, so a batch
 * costs this thread one buffer, not one per item.
 * @param {Uint8Array} bytes @param {Uint8Array} out @param {number} offset
 */
function packInto(bytes, out, offset) {
  if (bytes.length >= coding.packFrom) {
    // An output chunk the size of the input (deflate's output is the same whatever the chunks):
    // zlib's default takes 16 KB of Node's 64 KB buffer pool per call, which stays allocated until
    // this thread's heap is collected — and that small heap is collected only once tens of MB of
    // such memory have piled up (bench/e2e: peak RSS).
    const packed = deflateRawSync(bytes, { chunkSize: Math.max(64, bytes.length) });
    if (packed.length + 1 < bytes.length) {
      out[offset] = coding.deflateTag;
      out.set(packed, offset + 1);
      return packed.length + 1;
    }
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
  parentPort.postMessage({ id: req.id, buffer, lengths }, [buffer]);
});
