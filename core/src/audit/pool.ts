import { availableParallelism } from 'node:os';
import { WorkerPool } from '../workers/pool.js';
import type { VerifyJob } from './questions.js';
import { packJobs, PreparedKeys, verifyJobs, type PackedJobs } from './verify-jobs.js';

/** Checks SM2 signatures for the audit; answers in the order of the jobs. */
export interface SignatureVerifier {
  verify(jobs: readonly VerifyJob[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/** One thread per core: the main thread mostly waits on reads while the threads verify. */
export function defaultAuditThreads(): number {
  return availableParallelism();
}

/** `threads` worker threads, or the calling thread alone for 0. */
export function createVerifier(threads: number): SignatureVerifier {
  return threads > 0 ? new WorkerVerifier(threads) : new InlineVerifier();
}

class InlineVerifier implements SignatureVerifier {
  private readonly keys = new PreparedKeys();

  verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    return Promise.resolve(verifyJobs(jobs, this.keys));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Below this many jobs per thread, splitting costs more in messages than it saves. */
const MIN_SLICE = 32;

type Reply = { seq: number; valid: Uint8Array };

/**
 * Worker threads sharing each verify call between them. A thread that dies
 * has its jobs checked on the calling thread instead, so an audit never
 * stops or passes because a thread failed.
 */
class WorkerVerifier implements SignatureVerifier {
  private readonly pool: WorkerPool<PackedJobs, Reply>;
  private readonly inline = new PreparedKeys();

  constructor(threads: number) {
    this.pool = new WorkerPool(threads, { entry: { from: import.meta.url, name: 'signature-worker' } });
  }

  async verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    if (this.pool.size === 0) return verifyJobs(jobs, this.inline);
    const parts = Math.max(1, Math.min(this.pool.size, Math.floor(jobs.length / MIN_SLICE)));
    const per = Math.ceil(jobs.length / parts);
    const slices: Promise<boolean[]>[] = [];
    for (let at = 0; at < jobs.length; at += per) slices.push(this.send(jobs.slice(at, at + per)));
    return (await Promise.all(slices)).flat();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async send(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    const worker = this.pool.leastBusy();
    if (!worker) return verifyJobs(jobs, this.inline);
    const packed = packJobs(this.pool.nextSeq(), jobs);
    const transfer = [packed.keyIndex.buffer, packed.offsets.buffer, packed.messages.buffer, packed.signatures.buffer];
    const lost = (): Reply => ({ seq: packed.seq, valid: Uint8Array.from(verifyJobs(jobs, this.inline), (v) => (v ? 1 : 0)) });
    const reply = await this.pool.post(worker, jobs.length, packed, transfer, lost);
    return Array.from(reply.valid, (v) => v === 1);
  }
}
