/**
 * An intake worker thread: parses and validates request bodies and prepares
 * events (pseudonyms, commitments, SM4 encryption) off the main thread, and
 * computes the tree roots of closing batches. It
 * holds the subject key, never the master key: sealing key blocks and writing
 * stay on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runJobs } from './prepare-job.js';
import { merkleRootHere } from '../batching/batch-tree.js';
import type { PrepareMessage, PrepareReply, RootMessage, RootReply } from './prepare-pool.js';
import { packRun } from './prepared-wire.js';
import { packEventResults, unpackEvents, type EventsMessage } from './event-wire.js';

const ctx = { gatewayId: workerData.gatewayId as string, subjectKey: new Uint8Array(workerData.subjectKey as Uint8Array) };

parentPort!.on('message', (m: PrepareMessage | RootMessage | EventsMessage) => {
  if ('root' in m) {
    void merkleRootHere(m.root.alg, m.root.leaves).then((root) => parentPort!.postMessage({ seq: m.seq, root } satisfies RootReply));
    return;
  }
  if ('events' in m) {
    const { results, arena } = runJobs(unpackEvents(m.events), ctx);
    parentPort!.postMessage(packEventResults(m.seq, results, arena), [arena]);
    return;
  }
  const { results, arena } = runJobs(m.jobs, ctx);
  const reply: PrepareReply = { seq: m.seq, arena, results: results.map((r) => (r.ok ? { ok: true, packed: packRun(r.prepared, arena) } : r)) };
  // The records' byte fields all view one buffer, which moves rather than being copied.
  parentPort!.postMessage(reply, [arena]);
});
