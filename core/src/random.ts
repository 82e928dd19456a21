import { randomBytes } from 'node:crypto';

/**
 * CSPRNG bytes drawn 16 KiB at a time. Each call into Node's CSPRNG costs
 * several microseconds whatever its size (a native job is created per call),
 * about as much as encrypting a small payload; salts, data keys, ids, IVs and
 * key-block ids are taken from one buffer instead. Bytes are copied out and
 * never handed out twice. Per thread: a worker has its own module instance.
 * Filled on first use, so importing this (the verification page does,
 * through the core index) draws nothing.
 */
const REFILL = 16 * 1024;
let pool = new Uint8Array(0);
let at = 0;

/** Fills `out` with fresh random bytes. */
export function randomFill(out: Uint8Array): Uint8Array {
  const n = out.length;
  if (at + n > pool.length) {
    pool = randomBytes(Math.max(REFILL, n));
    at = 0;
  }
  out.set(pool.subarray(at, at + n));
  at += n;
  return out;
}

/** `n` fresh random bytes in a buffer of their own. */
export const randomOf = (n: number): Uint8Array => randomFill(new Uint8Array(n));
