import { LEAF_LENGTH, MerkleTree } from '@evidence/core';
import type { BatchRecord } from '../ports/store.js';

/**
 * Rebuilding a 1024-leaf tree costs about 2047 hashes; proofs are asked for in
 * bursts per batch (subscribers, verifiers walking a batch), so the most
 * recently used trees are kept.
 */
export class TreeCache {
  private readonly trees = new Map<number, MerkleTree>();

  constructor(private readonly capacity = 32) {}

  get(batch: BatchRecord): MerkleTree {
    const seq = batch.header.seq;
    const hit = this.trees.get(seq);
    if (hit) {
      this.trees.delete(seq);
      this.trees.set(seq, hit);
      return hit;
    }
    const leaves: Uint8Array[] = [];
    for (let o = 0; o < batch.leaves.length; o += LEAF_LENGTH) leaves.push(batch.leaves.subarray(o, o + LEAF_LENGTH));
    const tree = MerkleTree.fromLeaves(batch.header.alg, leaves);
    this.trees.set(seq, tree);
    if (this.trees.size > this.capacity) this.trees.delete(this.trees.keys().next().value!);
    return tree;
  }
}
