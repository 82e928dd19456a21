/**
 * An intake worker thread: prepares events (validation, pseudonyms,
 * commitments, SM4 sealing) off the main thread. It holds the subject key,
 * never the master key: sealing key blocks and writing stay on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEvidenceError } from '@evidence/core';
import { isGatewayError } from '../errors.js';
import { runJob, type PrepareJob } from './prepare-job.js';
import type { PrepareMessage, PrepareReply, PrepareResult } from './prepare-pool.js';

const ctx = { gatewayId: workerData.gatewayId as string, subjectKey: new Uint8Array(workerData.subjectKey as Uint8Array) };

/** Each run's byte fields live in one buffer, which moves to the main thread instead of being copied. */
let transfer: ArrayBuffer[] = [];

function run(job: PrepareJob): PrepareResult {
  try {
    const { prepared, arena } = runJob(job, ctx);
    transfer.push(arena);
    return { ok: true, prepared };
  } catch (e) {
    const coded = isGatewayError(e) || isEvidenceError(e);
    return { ok: false, code: coded ? e.code : 'INTERNAL', message: (e as Error).message, gateway: !coded || isGatewayError(e) };
  }
}

parentPort!.on('message', (m: PrepareMessage) => {
  transfer = [];
  const reply: PrepareReply = { seq: m.seq, results: m.jobs.map(run) };
  parentPort!.postMessage(reply, transfer);
});
