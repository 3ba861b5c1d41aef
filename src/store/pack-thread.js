// The packer's worker thread (see packer.ts): packs each batch it is sent and sends the results
// back in one transferred buffer — for each item exactly what compression.ts packBytes gives, with
// the tags and threshold it is started with (workerData). Plain JavaScript on purpose: a thread
// that loads a .ts module loads Node's type stripper too, ~17 MB more RSS (39 vs 22 MB).
import { parentPort, workerData } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';

/** @type {{ plainTag: number, deflateTag: number, packFrom: number }} */
const coding = workerData;

/** @param {Uint8Array} bytes */
function pack(bytes) {
  if (bytes.length >= coding.packFrom) {
    const packed = deflateRawSync(bytes);
    if (packed.length + 1 < bytes.length) return withTag(coding.deflateTag, packed);
  }
  return withTag(coding.plainTag, bytes);
}

/** @param {number} tag @param {Uint8Array} bytes */
function withTag(tag, bytes) {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = tag;
  out.set(bytes, 1);
  return out;
}

parentPort.on('message', (/** @type {{ id: number, buffer: ArrayBuffer, lengths: number[] }} */ req) => {
  const input = new Uint8Array(req.buffer);
  /** @type {Uint8Array[]} */
  const packed = [];
  let total = 0;
  let at = 0;
  for (const length of req.lengths) {
    const out = pack(input.subarray(at, at + length));
    at += length;
    packed.push(out);
    total += out.length;
  }
  const buffer = new ArrayBuffer(total);
  const bytes = new Uint8Array(buffer);
  let offset = 0;
  for (const p of packed) {
    bytes.set(p, offset);
    offset += p.length;
  }
  parentPort.postMessage({ id: req.id, buffer, lengths: packed.map((p) => p.length) }, [buffer]);
});
