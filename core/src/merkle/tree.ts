import { EvidenceError } from '../errors.js';
import { hashFor, type HashAlg, type HashFn } from '../hash/alg.js';
import { consistencyRanges, foldNodes, rangeNodes } from './ranges.js';

const HASH_LEN = 32;

/**
 * An RFC 9162 Merkle tree held level by level, each level one contiguous
 * buffer of 32-byte hashes (a million leaves make two million hashes; one
 * buffer per level keeps that to a few allocations instead of millions).
 *
 * Built bottom-up: pairs (0,1), (2,3), … are hashed and an unpaired last node
 * is carried up unchanged. That yields exactly MTH of section 2.1.1, whose split
 * point k is the largest power of two below n, and never duplicates a node.
 */
export class MerkleTree {
  readonly alg: HashAlg;
  readonly size: number;
  /** levels[0] are the leaf hashes, the last level holds the root alone. */
  private readonly levels: Uint8Array[];

  private constructor(alg: HashAlg, size: number, levels: Uint8Array[]) {
    this.alg = alg;
    this.size = size;
    this.levels = levels;
  }

  /** Builds the tree of leaf data items (each hashed as H(0x00 || data)). */
  static fromLeaves(alg: HashAlg, leaves: readonly Uint8Array[]): MerkleTree {
    const h = hashFor(alg);
    const level0 = new Uint8Array(leaves.length * HASH_LEN);
    // Leaves are 122 bytes in practice: hash 0x00 || leaf from one reused buffer,
    // a single call into the hash per leaf.
    let scratch = new Uint8Array(1 + 122);
    leaves.forEach((leaf, i) => {
      if (leaf.length + 1 !== scratch.length) scratch = new Uint8Array(1 + leaf.length);
      scratch.set(leaf, 1);
      level0.set(h(scratch), i * HASH_LEN);
    });
    return MerkleTree.build(alg, h, level0, leaves.length);
  }

  /** Builds the tree over leaf hashes already computed as H(0x00 || data). */
  static fromLeafHashes(alg: HashAlg, leafHashes: readonly Uint8Array[]): MerkleTree {
    const level0 = new Uint8Array(leafHashes.length * HASH_LEN);
    leafHashes.forEach((lh, i) => {
      if (lh.length !== HASH_LEN) throw new EvidenceError('EVIDENCE_BAD_LENGTH', `leaf hash ${i} is not 32 bytes`);
      level0.set(lh, i * HASH_LEN);
    });
    return MerkleTree.build(alg, hashFor(alg), level0, leafHashes.length);
  }

  private static build(alg: HashAlg, h: HashFn, level0: Uint8Array, size: number): MerkleTree {
    if (size === 0) throw new EvidenceError('MERKLE_EMPTY_TREE', 'a batch tree needs at least one leaf');
    const levels = [level0];
    const scratch = new Uint8Array(1 + 2 * HASH_LEN);
    scratch[0] = 0x01;
    let current = level0;
    let width = size;
    while (width > 1) {
      const nextWidth = Math.ceil(width / 2);
      const next = new Uint8Array(nextWidth * HASH_LEN);
      const pairs = Math.floor(width / 2);
      for (let i = 0; i < pairs; i++) {
        // One contiguous 0x01 || left || right input: a single call into the hash.
        scratch.set(current.subarray(2 * i * HASH_LEN, (2 * i + 2) * HASH_LEN), 1);
        next.set(h(scratch), i * HASH_LEN);
      }
      if (width % 2 === 1) next.set(current.subarray((width - 1) * HASH_LEN, width * HASH_LEN), pairs * HASH_LEN);
      levels.push(next);
      current = next;
      width = nextWidth;
    }
    return new MerkleTree(alg, size, levels);
  }

  get root(): Uint8Array {
    return this.levels[this.levels.length - 1]!.slice(0, HASH_LEN);
  }

  leafHash(index: number): Uint8Array {
    this.assertIndex(index);
    return this.levels[0]!.slice(index * HASH_LEN, (index + 1) * HASH_LEN);
  }

  /** The audit path of RFC 9162 section 2.1.3.1 for the leaf at `index`, bottom first. */
  proof(index: number): Uint8Array[] {
    this.assertIndex(index);
    const path: Uint8Array[] = [];
    let i = index;
    let width = this.size;
    for (let depth = 0; depth < this.levels.length - 1; depth++) {
      const sibling = i ^ 1;
      // A node without a sibling is carried up unchanged and adds nothing to the path.
      if (sibling < width) {
        path.push(this.levels[depth]!.slice(sibling * HASH_LEN, (sibling + 1) * HASH_LEN));
      }
      i = Math.floor(i / 2);
      width = Math.ceil(width / 2);
    }
    return path;
  }

  /** PROOF(first, D[size]) of RFC 9162 section 2.1.4.1: this tree extends its first `first` leaves. */
  consistencyProof(first: number): Uint8Array[] {
    return consistencyRanges(first, this.size).map((range) =>
      foldNodes(
        hashFor(this.alg),
        rangeNodes(range).map(({ level, index }) => this.levels[level]!.slice(index * HASH_LEN, (index + 1) * HASH_LEN)),
      ),
    );
  }

  private assertIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new EvidenceError('MERKLE_INDEX_OUT_OF_RANGE', `index ${index} is outside a tree of size ${this.size}`);
    }
  }
}
