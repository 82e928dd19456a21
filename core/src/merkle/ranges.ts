import { EvidenceError } from '../errors.js';
import type { HashFn } from '../hash/alg.js';
import { hashChildren } from './hashing.js';

/**
 * Proofs of an RFC 9162 tree as plans: which leaf ranges [start, end) must be
 * hashed (MTH of section 2.1.1) to produce each proof element, and which
 * perfect subtrees make up a range. A store that keeps every perfect subtree
 * of a log (a "node" at `level` covering leaves [index * 2^level, (index + 1) * 2^level))
 * answers any proof with O(log n) node reads and no recomputation of the tree,
 * the approach of transparency-dev/merkle's proof.Nodes and compact ranges.
 */

/** A perfect subtree: 2^level leaves starting at leaf index * 2^level. */
export interface NodeId {
  level: number;
  index: number;
}

/** Leaves [start, end), end exclusive. */
export type LeafRange = readonly [start: number, end: number];

/** The largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `${what} ${n} must be a positive integer`);
}

/** The ranges whose MTH form the audit path of `index` in the tree of `size`, bottom first (RFC 9162 2.1.3.1). */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  assertSize(size, 'tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `index ${index} is outside a tree of size ${size}`);
  }
  const out: LeafRange[] = [];
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      out.push([start + k, end]);
      end = start + k;
    } else {
      out.push([start, start + k]);
      start += k;
      m -= k;
    }
  }
  return out.reverse();
}

/** The ranges whose MTH form PROOF(first, D[second]) of RFC 9162 2.1.4.1, in proof order. */
export function consistencyRanges(first: number, second: number): LeafRange[] {
  assertSize(first, 'first size');
  assertSize(second, 'second size');
  if (first > second) throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `first size ${first} exceeds second size ${second}`);
  // SUBPROOF(m, D[start:end], b), unrolled: the recursion only ever descends, and
  // every element it emits is appended after the deeper ones.
  const out: LeafRange[] = [];
  let start = 0;
  let end = second;
  let m = first;
  let complete = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      out.push([start + k, end]);
      end = start + k;
    } else {
      out.push([start, start + k]);
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) out.push([start, end]);
  return out.reverse();
}

/**
 * The perfect subtrees that make up a range, left to right. Ranges produced
 * by the recursions above start at a multiple of their largest power of two,
 * so greedy decomposition by the set bits of the length is exact.
 */
export function rangeNodes(range: LeafRange): NodeId[] {
  const [start, end] = range;
  const out: NodeId[] = [];
  let pos = start;
  let remaining = end - start;
  for (let level = Math.floor(Math.log2(Math.max(1, remaining))) + 1; level >= 0; level--) {
    const width = 2 ** level;
    if (remaining >= width) {
      if (pos % width !== 0) throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `range [${start}, ${end}) is not aligned`);
      out.push({ level, index: pos / width });
      pos += width;
      remaining -= width;
    }
  }
  return out;
}

/** MTH of a range from its perfect subtrees (left to right): folded right to left. */
export function foldNodes(h: HashFn, nodes: readonly Uint8Array[]): Uint8Array {
  if (nodes.length === 0) throw new EvidenceError('MERKLE_EMPTY_TREE', 'an empty range has no hash');
  let acc = nodes[nodes.length - 1]!;
  for (let i = nodes.length - 2; i >= 0; i--) acc = hashChildren(h, nodes[i]!, acc);
  return acc;
}

/** Reads perfect subtrees by id, in the order asked (the port a log store implements). */
export type ReadNodes = (ids: readonly NodeId[]) => Promise<Uint8Array[]>;

/** Hashes each range from the nodes `read` returns, with one read for all of them. */
export async function hashRanges(h: HashFn, ranges: readonly LeafRange[], read: ReadNodes): Promise<Uint8Array[]> {
  const perRange = ranges.map(rangeNodes);
  const hashes = await read(perRange.flat());
  let at = 0;
  return perRange.map((ids) => {
    const nodes = hashes.slice(at, at + ids.length);
    at += ids.length;
    return foldNodes(h, nodes);
  });
}

/**
 * The perfect subtrees completed by appending the leaf at `index` (the leaf
 * itself first, then each parent it completes), given a way to read the left
 * siblings. A log store writes these on append and never rewrites them.
 */
export function completedNodes(index: number): NodeId[] {
  const out: NodeId[] = [{ level: 0, index }];
  let i = index;
  let level = 0;
  while (i % 2 === 1) {
    i = (i - 1) / 2;
    level += 1;
    out.push({ level, index: i });
  }
  return out;
}
