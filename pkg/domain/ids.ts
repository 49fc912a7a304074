import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: sortable, no I/L/O/U

/**
 * A time-sortable id (ULID layout: 48-bit ms time + 80 random bits, 26 chars). Lexical order is
 * time order, so message ids sort by acceptance and shard evenly by hash.
 *
 * @example newId(Date.parse('2026-11-23T00:00:00Z')) // '01KAQ…' (26 chars)
 */
export function newId(now: number = Date.now()): string {
  if (poolAt + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  const id = idFrom(now, pool.subarray(poolAt, poolAt + 16));
  poolAt += 16;
  return id;
}

// Randomness drawn 4 KiB at a time: one call to the CSPRNG per 256 ids instead of one per id (a
// hot spot of ingest, which makes an id per receiver). Each id still uses bytes no other id does.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolAt = 0;

/**
 * A ULID-layout id from a time and 16 given bytes (only the low 5 bits of each are used): the
 * deterministic variant, for ids that a retried request must reproduce.
 *
 * @example idFrom(0, Buffer.alloc(16)) // '00000000000000000000000000'
 */
export function idFrom(now: number, bytes: Uint8Array): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[(bytes[i] ?? 0) % 32];
  return time + tail;
}

/** The acceptance time encoded in an id from {@link newId}. */
export function timeOfId(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i] ?? '0');
  return t;
}
