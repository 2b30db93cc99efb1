// The hash chain of the history store: canonical serialization, digests and record ids.
import { createHash, randomBytes } from 'node:crypto';

/** The prevDigest of the first record of a store that was never pruned. */
export const GENESIS_DIGEST = '0'.repeat(64);

/** Digest domain: changes if the canonical form ever changes, so old and new digests never collide. */
const DOMAIN = 'procdx-history-chain-v1';

/** JSON with object keys sorted at every level and no whitespace: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot serialize ${value}`);
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** digest = sha256("procdx-history-chain-v1\n" + prevDigest + "\n" + canonicalJson(fields)). */
export function linkDigest(prevDigest: string, fields: Record<string, unknown>): string {
  return createHash('sha256').update(`${DOMAIN}\n${prevDigest}\n`).update(canonicalJson(fields)).digest('hex');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 10 characters of milliseconds, then 16 random characters; sorts by time as a string. */
export function newId(timeMs: number): string {
  let t = Math.max(0, Math.min(Math.floor(timeMs), 2 ** 48 - 1));
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[t % 32]! + head;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let tail = '';
  // 80 random bits as 16 base-32 digits, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      tail += CROCKFORD[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return head + tail;
}
