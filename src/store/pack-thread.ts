// The packer's worker thread (see packer.ts): packs each batch it is sent and sends the results
// back in one transferred buffer.
import { parentPort } from 'node:worker_threads';
import { packBytes } from './compression.ts';
import type { PackRequest, PackResult } from './packer.ts';

parentPort!.on('message', (req: PackRequest) => {
  const input = new Uint8Array(req.buffer);
  const packed: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  for (const length of req.lengths) {
    const out = packBytes(input.subarray(at, at + length));
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
  const result: PackResult = { id: req.id, buffer, lengths: packed.map((p) => p.length) };
  parentPort!.postMessage(result, [buffer]);
});
