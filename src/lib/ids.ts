// Ids: a type prefix, then a time-ordered part and 80 random bits, so ids sort by creation
// (cheap "newest first" pages) and cannot be guessed.
import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');

/** Writes `bytes` as base-32 letters of ALPHABET into `out` from `at`; returns where it stopped. */
function base32Into(bytes: Uint8Array, out: Uint8Array, at: number): number {
  let bits = 0;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = ((value << 8) | bytes[i]) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out[at++] = ALPHABET_CODES[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out[at++] = ALPHABET_CODES[(value << (5 - bits)) & 31];
  return at;
}

function base32(bytes: Uint8Array): string {
  const out = Buffer.alloc(Math.ceil((bytes.length * 8) / 5));
  return out.toString('latin1', 0, base32Into(bytes, out, 0));
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

// Two ids per webhook: built in one reused byte buffer rather than by string concatenation, which
// left ~0.6 KB of intermediate strings per id (bench/alloc).
const RADIX32 = Buffer.from('0123456789abcdefghijklmnopqrstuv', 'latin1');
const ID_TAIL = 9 + 3 + 16;
const tail = Buffer.alloc(ID_TAIL);

export function newId(prefix: string, now = Date.now()): string {
  // Same-millisecond ids stay ordered by a sequence number.
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  // The time as 9 digits of base 32 (0-9a-v, as Number#toString(32)), then the sequence as 3.
  let time = now;
  for (let i = 8; i >= 0; i--) {
    tail[i] = RADIX32[time % 32];
    time = Math.floor(time / 32);
  }
  const counter = seq & 0xfff;
  tail[9] = RADIX32[counter >> 10];
  tail[10] = RADIX32[(counter >> 5) & 31];
  tail[11] = RADIX32[counter & 31];
  // 80 random bits as 16 letters of ALPHABET.
  base32Into(random10(), tail, 12);
  return `${prefix}_${tail.toString('latin1')}`;
}

/** A webhook token: 160 random bits, URL-safe. */
export function newToken(bytes = 20): string {
  return base32(randomBytes(bytes));
}
