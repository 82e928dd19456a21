import { WorkerPool, type HashAlg } from '@evidence/core';
import { batchTree, merkleRootHere, type MerkleRootOf } from '../../batching/batch-tree.js';

export interface RootMessage {
  seq: number;
  alg: HashAlg;
  leaves: Uint8Array;
}

export interface RootReply {
  seq: number;
  root: Uint8Array;
}

/**
 * The batcher's MerkleRootOf on a thread of its own, so a closing batch of
 * tens of thousands of leaves never holds the main thread's HTTP and writes.
 * The leaves are copied to the thread (the batch keeps its own); a thread
 * that dies has its root computed here instead. Without a thread (`threads`
 * 0), computed here.
 */
export function threadRoots(threads = 1): { rootOf: MerkleRootOf; close(): Promise<void> } {
  if (threads <= 0) return { rootOf: merkleRootHere, close: async () => undefined };
  const pool = new WorkerPool<RootMessage, RootReply>(threads, { entry: { from: import.meta.url, name: 'root-worker' } });
  return {
    rootOf: async (alg, leaves) => {
      const worker = pool.leastBusy();
      if (!worker) return merkleRootHere(alg, leaves);
      const seq = pool.nextSeq();
      const reply = await pool.post(worker, 1, { seq, alg, leaves }, [], () => ({ seq, root: batchTree(alg, leaves).root }));
      return reply.root;
    },
    close: () => pool.close(),
  };
}
