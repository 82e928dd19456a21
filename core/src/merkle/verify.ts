import { equalBytes } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import type { HashFn } from '../hash/alg.js';
import { hashChildren } from './hashing.js';

/**
 * Inclusion proof verification of RFC 9162 section 2.1.3.2, written in the shape
 * of transparency-dev/merkle's proof/verify.go: the path is split into an
 * "inner" part (siblings below the point where the leaf's and the last leaf's
 * paths diverge) and a "border" part (left siblings on the right border).
 * index, size and path come from a proof bundle and are attacker-controlled:
 * every precondition is checked and the exact path length is enforced.
 */
export function rootFromInclusionProof(
  h: HashFn,
  index: number,
  size: number,
  leafHash: Uint8Array,
  path: readonly Uint8Array[],
): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `tree size ${size} must be a positive integer`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `index ${index} is outside a tree of size ${size}`);
  }
  for (const p of path) {
    if (p.length !== leafHash.length) {
      throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', `path entries must be ${leafHash.length} bytes`);
    }
  }
  const { inner, border } = decomposeInclusionProof(index, size);
  if (path.length !== inner + border) {
    throw new EvidenceError(
      'MERKLE_BAD_PATH_LENGTH',
      `a proof for index ${index} in a tree of size ${size} has ${inner + border} hashes, got ${path.length}`,
    );
  }
  const innerRoot = chainInner(h, leafHash, path.slice(0, inner), index);
  return chainBorderRight(h, innerRoot, path.slice(inner));
}

/** True when `path` proves `leafHash` at `index` in the tree of `size` with `root`; false on any defect. */
export function verifyInclusion(
  h: HashFn,
  index: number,
  size: number,
  leafHash: Uint8Array,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    return equalBytes(rootFromInclusionProof(h, index, size, leafHash, path), root);
  } catch {
    return false;
  }
}

/**
 * Number of inner and border hashes in the proof of `index` in a tree of `size`:
 * inner = bit length of (index XOR (size - 1)), border = ones in index >> inner.
 */
export function decomposeInclusionProof(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(index ^ (size - 1), index, size - 1);
  const border = popCount(Math.floor(index / 2 ** inner));
  return { inner, border };
}

function chainInner(h: HashFn, seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let acc = seed;
  let bits = index;
  for (const p of proof) {
    acc = bits % 2 === 0 ? hashChildren(h, acc, p) : hashChildren(h, p, acc);
    bits = Math.floor(bits / 2);
  }
  return acc;
}

function chainBorderRight(h: HashFn, seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let acc = seed;
  for (const p of proof) acc = hashChildren(h, p, acc);
  return acc;
}

// JavaScript's ^ works on 32 bits; tree sizes beyond 2^32 take the slow path.
function bitLength(xorSmall: number, a: number, b: number): number {
  if (a < 2 ** 31 && b < 2 ** 31) return xorSmall === 0 ? 0 : 32 - Math.clz32(xorSmall);
  const x = BigInt(a) ^ BigInt(b);
  return x === 0n ? 0 : x.toString(2).length;
}

function popCount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}
