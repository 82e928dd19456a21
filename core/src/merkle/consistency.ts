import { equalBytes } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import type { HashFn } from '../hash/alg.js';
import { hashChildren } from './hashing.js';

const odd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);
const isPowerOfTwo = (x: number): boolean => x >= 1 && 2 ** Math.round(Math.log2(x)) === x;

/**
 * RFC 9162 section 2.1.4.2: checks that the log of size `second` with
 * `secondRoot` extends the log of size `first` with `firstRoot`. Every input
 * may come from an attacker (a gateway rewriting its history, a forged
 * bundle): sizes are checked before any hashing, the proof length is bounded
 * by the algorithm itself (a surplus element fails the final sn = 0 check),
 * and `first = second` demands an empty proof and equal roots.
 * Throws MERKLE_INDEX_OUT_OF_RANGE or MERKLE_BAD_PATH_LENGTH for malformed
 * input; returns false for a well-formed proof that does not hold.
 */
export function checkConsistency(
  h: HashFn,
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(first) || first < 1) {
    throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `first size ${first} must be a positive integer`);
  }
  if (!Number.isSafeInteger(second) || second < first) {
    throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `second size ${second} must be an integer no smaller than first size ${first}`);
  }
  for (const p of [firstRoot, secondRoot, ...proof]) {
    if (p.length !== 32) throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', 'roots and proof elements must be 32 bytes');
  }
  if (proof.length > 128) throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', 'a consistency proof of a 64-bit log has at most 128 hashes');
  if (first === second) {
    if (proof.length !== 0) throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', 'equal sizes take an empty proof');
    return equalBytes(firstRoot, secondRoot);
  }
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = hashChildren(h, c, fr);
      sr = hashChildren(h, c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(h, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/** True when the proof shows `second` extends `first`; false on any defect, malformed input included. */
export function verifyConsistency(
  h: HashFn,
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  try {
    return checkConsistency(h, first, second, firstRoot, secondRoot, proof);
  } catch {
    return false;
  }
}
