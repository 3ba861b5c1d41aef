// Ids: a type prefix, then a time-ordered part and 80 random bits, so ids sort by creation
// (cheap "newest first" pages) and cannot be guessed.
import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

// Random bytes drawn 4 KiB at a time: one syscall per ~400 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function random10(): Uint8Array {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 10;
  return pool.subarray(poolOffset - 10, poolOffset);
}

let lastMs = 0;
let seq = 0;

export function newId(prefix: string, now = Date.now()): string {
  // Same-millisecond ids stay ordered by a sequence number.
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  const time = now.toString(32).padStart(9, '0');
  const counter = (seq & 0xfff).toString(32).padStart(3, '0');
  return `${prefix}_${time}${counter}${base32(random10())}`;
}

/** A webhook token: 160 random bits, URL-safe. */
export function newToken(bytes = 20): string {
  return base32(randomBytes(bytes));
}
