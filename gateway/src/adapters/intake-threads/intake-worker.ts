/**
 * An intake worker thread (thread-intake.ts): reads and validates request
 * bodies and prepares events (pseudonyms, commitments, SM4 encryption) off the
 * main thread. It holds the subject key, never the master key: sealing key
 * blocks and writing stay on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runJobs } from '../../evidence/prepare-jobs.js';
import { packEventResults, unpackEvents, type EventsMessage } from './event-wire.js';
import { packRun } from './prepared-wire.js';
import type { PrepareMessage, PrepareReply } from './thread-intake.js';

const ctx = { gatewayId: workerData.gatewayId as string, subjectKey: new Uint8Array(workerData.subjectKey as Uint8Array) };

parentPort!.on('message', (m: PrepareMessage | EventsMessage) => {
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
