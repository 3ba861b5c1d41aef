// Bytes kept compressed when that pays: one tag byte in front says how the rest is coded —
// 0 as they are, 1 zstd (bodies stored before deflate replaced it), 2 raw DEFLATE (node:zlib).
// DEFLATE won on the webhooks this product sees (1–4 KB of JSON): on a 1.8 KB order it is both
// smaller (890 vs 929 bytes) and cheaper (28 vs 44 µs to pack, 11 vs 26 µs to unpack) than
// zstd, whose per-call context set-up dominates at these sizes.
import { deflateRawSync, inflateRawSync, zstdDecompressSync } from 'node:zlib';

export const PLAIN = 0;
const ZSTD = 1;
export const DEFLATE = 2;
/** Shorter than this is kept as it is: the saving would not cover the frame and the CPU. */
export const PACK_FROM = 512;

/** `bytes` behind a tag: compressed when that is smaller, else as they are. */
export function packBytes(bytes: Uint8Array, compress = true): Uint8Array {
  if (compress && bytes.length >= PACK_FROM) {
    // Output chunks sized to the data: see store-thread-worker.js for what zlib's default 16 KB costs.
    const packed = deflateRawSync(bytes, { chunkSize: Math.max(64, bytes.length) });
    if (packed.length + 1 < bytes.length) return withTag(DEFLATE, packed);
  }
  return withTag(PLAIN, bytes);
}

export function unpackBytes(stored: Uint8Array): Buffer {
  const rest = Buffer.from(stored.buffer, stored.byteOffset + 1, stored.length - 1);
  switch (stored[0]) {
    case PLAIN:
      return rest;
    case DEFLATE:
      // JSON inflates ~2-4×: one chunk, or a few, instead of 16 KB of the buffer pool per call.
      return inflateRawSync(rest, { chunkSize: Math.min(16_384, Math.max(1024, rest.length * 4)) });
    case ZSTD:
      return zstdDecompressSync(rest);
    default:
      throw new Error(`Unknown stored coding ${stored[0]}`);
  }
}

/**
 * JSON text for a journal column: long text as packed bytes when that is smaller (SQLite keeps a
 * BLOB in any column), else the text itself — so short entries and older rows read as before.
 */
export function packText(text: string): string | Uint8Array {
  if (text.length < PACK_FROM) return text;
  return textOrPacked(text, packBytes(Buffer.from(text, 'utf8')));
}

/** The packed form of `text` when it was compressed, else the text. */
export function textOrPacked(text: string, packed: Uint8Array): string | Uint8Array {
  return packed[0] === PLAIN ? text : packed;
}

/** What packText kept, as text again. */
export function unpackText<T extends string | null | undefined>(value: T | Uint8Array): T | string {
  return value instanceof Uint8Array ? unpackBytes(value).toString('utf8') : value;
}

function withTag(tag: number, bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(bytes.length + 1);
  out[0] = tag;
  out.set(bytes, 1);
  return out;
}
