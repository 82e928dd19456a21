import { equalBytes } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import type { HashFn } from '../hash/alg.js';
import { hashChildren } from '../merkle/hashing.js';
import { foldNodes } from '../merkle/ranges.js';
import { rootFromInclusionProof } from '../merkle/verify.js';

const popCount = (n: number): number => {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
};

/**
 * The compact range [0, size) of an RFC 9162 log: one perfect subtree hash
 * per set bit of `size`, largest first. Appending a leaf costs one node hash
 * amortized and the root about log2(size) more, so an auditor recomputes a
 * gateway's log from the headers it serves, checkpoint after checkpoint,
 * without storing the tree; its state at a size is these few hashes.
 */
export class CompactRange {
  private constructor(
    private readonly h: HashFn,
    private count: number,
    private readonly nodes: Uint8Array[],
  ) {}

  static empty(h: HashFn): CompactRange {
    return new CompactRange(h, 0, []);
  }

  /** A range saved earlier (a state file): exactly one 32-byte node per set bit of `size`. */
  static fromNodes(h: HashFn, size: number, nodes: readonly Uint8Array[]): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0 || nodes.length !== popCount(size) || nodes.some((n) => n.length !== 32)) {
      throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', `a compact range of size ${size} has ${popCount(size)} nodes of 32 bytes`);
    }
    return new CompactRange(h, size, [...nodes]);
  }

  /**
   * The range [0, size) of the log whose root is `root`, from the inclusion
   * proof of its last entry: every element of that path is a left sibling, a
   * perfect subtree of [0, size - 1), so the path read top down is the range
   * of size - 1. Returns null when the proof does not give `root`: the
   * proof, from the gateway, is attacker-controlled; the root is the chain's.
   */
  static fromLastEntryProof(h: HashFn, size: number, leafHash: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): CompactRange | null {
    let computed: Uint8Array;
    try {
      computed = rootFromInclusionProof(h, size - 1, size, leafHash, path);
    } catch {
      return null;
    }
    if (!equalBytes(computed, root)) return null;
    const range = CompactRange.fromNodes(h, size - 1, [...path].reverse());
    range.append(leafHash);
    return range;
  }

  get size(): number {
    return this.count;
  }

  append(leaf: Uint8Array): void {
    this.nodes.push(leaf);
    for (let n = this.count; n % 2 === 1; n = Math.floor(n / 2)) {
      const right = this.nodes.pop()!;
      const left = this.nodes.pop()!;
      this.nodes.push(hashChildren(this.h, left, right));
    }
    this.count += 1;
  }

  /** The Merkle Tree Hash of [0, size); size must be at least 1. */
  root(): Uint8Array {
    return foldNodes(this.h, this.nodes);
  }

  clone(): CompactRange {
    return new CompactRange(this.h, this.count, [...this.nodes]);
  }

  /** The nodes, largest first (what a state file keeps). */
  hashes(): Uint8Array[] {
    return [...this.nodes];
  }
}
