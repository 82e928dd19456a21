/**
 * A signature thread of the audit's pool (pool.ts): checks packed SM2 jobs
 * against the registered keys the main thread looked up, each key prepared
 * once per thread.
 */
import { parentPort } from 'node:worker_threads';
import { PreparedKeys, unpackJobs, verifyJobs, type PackedJobs } from './verify-jobs.js';

const keys = new PreparedKeys();

parentPort!.on('message', (m: PackedJobs) => {
  const valid = Uint8Array.from(verifyJobs(unpackJobs(m), keys), (v) => (v ? 1 : 0));
  parentPort!.postMessage({ seq: m.seq, valid }, [valid.buffer]);
});
