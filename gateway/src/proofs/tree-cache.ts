import type { MerkleTree } from '@evidence/core';
import { batchTree } from '../batching/batch-tree.js';
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
    const tree = batchTree(batch.header.alg, batch.leaves);
    this.trees.set(seq, tree);
    if (this.trees.size > this.capacity) this.trees.delete(this.trees.keys().next().value!);
    return tree;
  }
}
