/**
 * An intake worker thread: prepares events (validation, pseudonyms,
 * commitments, SM4 sealing) off the main thread. It holds the subject key,
 * never the master key: sealing key blocks and writing stay on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEvidenceError } from '@evidence/core';
import { isGatewayError } from '../errors.js';
import { prepareMany } from './prepare.js';
import type { PrepareJob, PrepareMessage, PrepareReply, PrepareResult } from './prepare-pool.js';

const ctx = { gatewayId: workerData.gatewayId as string, subjectKey: new Uint8Array(workerData.subjectKey as Uint8Array) };

function run(job: PrepareJob): PrepareResult {
  try {
    const name = (i: number) => (job.where.indexed ? `${job.where.prefix}${job.offset + i}/` : job.where.prefix);
    return { ok: true, prepared: prepareMany(job.inputs, ctx, job.client, job.receivedAt, name) };
  } catch (e) {
    const coded = isGatewayError(e) || isEvidenceError(e);
    return { ok: false, code: coded ? e.code : 'INTERNAL', message: (e as Error).message, gateway: !coded || isGatewayError(e) };
  }
}

parentPort!.on('message', (m: PrepareMessage) => {
  const reply: PrepareReply = { seq: m.seq, results: m.jobs.map(run) };
  parentPort!.postMessage(reply);
});
