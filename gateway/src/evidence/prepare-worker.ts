/**
 * An intake worker thread: prepares chunks of large requests (validation,
 * pseudonyms, commitments, SM4 sealing) in parallel with the main thread.
 * It holds the subject key, never the master key: sealing key blocks and
 * writing stay on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEvidenceError } from '@evidence/core';
import { isGatewayError } from '../errors.js';
import { prepareMany } from './prepare.js';
import type { PrepareRequest, PrepareReply } from './prepare-pool.js';

const ctx = { gatewayId: workerData.gatewayId as string, subjectKey: new Uint8Array(workerData.subjectKey as Uint8Array) };

parentPort!.on('message', (m: PrepareRequest) => {
  let reply: PrepareReply;
  try {
    const prepared = prepareMany(m.inputs, ctx, m.client, m.receivedAt, (i) => (m.where.indexed ? `${m.where.prefix}${m.offset + i}/` : m.where.prefix));
    reply = { seq: m.seq, ok: true, prepared };
  } catch (e) {
    const coded = isGatewayError(e) || isEvidenceError(e);
    reply = { seq: m.seq, ok: false, code: coded ? e.code : 'INTERNAL', message: (e as Error).message, gateway: !coded || isGatewayError(e) };
  }
  parentPort!.postMessage(reply);
});
