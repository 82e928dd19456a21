import { LEAF_LENGTH, MerkleTree, type HashAlg } from '@evidence/core';

/** The RFC 9162 tree over a batch's leaves, stored end to end (LEAF_LENGTH bytes each, as in BatchRecord.leaves). */
export function batchTree(alg: HashAlg, leaves: Uint8Array): MerkleTree {
  const items: Uint8Array[] = [];
  for (let o = 0; o < leaves.length; o += LEAF_LENGTH) items.push(leaves.subarray(o, o + LEAF_LENGTH));
  return MerkleTree.fromLeaves(alg, items);
}

/** A batch's tree root from its leaves, stored end to end: the batcher's port, so a thread of its own can compute it (adapters/batch-roots). */
export type MerkleRootOf = (alg: HashAlg, leaves: Uint8Array) => Promise<Uint8Array>;

/** The root on this thread: the default without a root thread. */
export const merkleRootHere: MerkleRootOf = async (alg, leaves) => batchTree(alg, leaves).root;
