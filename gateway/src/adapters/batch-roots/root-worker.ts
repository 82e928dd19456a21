/** The batch-root thread (root-threads.ts): the RFC 9162 root of a closing batch's leaves. */
import { parentPort } from 'node:worker_threads';
import { merkleRootHere } from '../../batching/batch-tree.js';
import type { RootMessage, RootReply } from './root-threads.js';

parentPort!.on('message', (m: RootMessage) => {
  void merkleRootHere(m.alg, m.leaves).then((root) => parentPort!.postMessage({ seq: m.seq, root } satisfies RootReply));
});
