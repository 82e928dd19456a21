import { availableParallelism } from 'node:os';
import { sm2Sign, sm2Verify, WorkerPool, type HopSignatureCheck } from '@evidence/core';

/** One signature for a worker: the signer's registered public key (hex), never a key taken from the message. */
export interface SignatureJob {
  publicKey: string;
  message: Uint8Array;
  signature: Uint8Array;
}

/** A hop to sign with this device's own key (the process's secret, handed to its own thread). */
export interface SignJob {
  message: Uint8Array;
  privateKey: string;
}

export interface SignatureRequest {
  seq: number;
  jobs: SignatureJob[];
  sign?: SignJob;
}

export interface SignatureReply {
  seq: number;
  valid: boolean[];
  signature?: Uint8Array;
}

export interface VerifyOptions {
  /**
   * Whether the calling thread checks a share itself. By default only when
   * every worker is idle: the fastest answer for one request, while under
   * load the calling thread is left to HTTP. A caller that has just queued
   * other work for the same request (its hop to sign) reads `idle` before
   * queueing it and passes the answer here.
   */
  shareWithCaller?: boolean;
}

/**
 * SM2 signature checks (and a device's own signatures) on worker threads. A chain's hop signatures are
 * independent, so they are split between the workers (and, when the pool is
 * idle, the calling thread) and checked at once; each worker keeps prepared
 * key tables for the keys it meets (bounded, see signature-worker.ts). A
 * worker that fails has its jobs checked inline instead: a request is never
 * refused because a thread died.
 */
export class SignaturePool {
  private readonly workers: WorkerPool<SignatureRequest, SignatureReply>;

  constructor(size: number) {
    this.workers = new WorkerPool(size, { entry: { from: import.meta.url, name: 'signature-worker' } });
  }

  get size(): number {
    return this.workers.size;
  }

  /** No worker has anything outstanding. */
  get idle(): boolean {
    return this.workers.idle;
  }

  /** Checks every signature; the answer is in the order of `checks`. */
  async verify(checks: readonly HopSignatureCheck[], options: VerifyOptions = {}): Promise<boolean[]> {
    if (this.workers.size === 0) return checks.map(verifyInline);
    const callerTakes = options.shareWithCaller ?? this.idle;
    const parts = Math.min(checks.length, this.workers.size + (callerTakes ? 1 : 0));
    const per = Math.ceil(checks.length / parts);
    const replies: Promise<boolean[]>[] = [];
    // The caller's share is the first slice; the rest go to the least busy workers.
    const first = callerTakes ? per : 0;
    for (let at = first; at < checks.length; at += per) {
      replies.push(this.send(checks.slice(at, at + per).map(toJob)).then((r) => r.valid));
    }
    const own = checks.slice(0, first).map(verifyInline);
    for (const part of await Promise.all(replies)) for (const v of part) own.push(v);
    return own;
  }

  /**
   * Signs on a worker, leaving the calling thread to HTTP and the cheap
   * checks: under load a device's own signatures would otherwise be the
   * largest piece of SM2 work on its main thread.
   */
  async sign(message: Uint8Array, privateKey: string): Promise<Uint8Array> {
    if (this.workers.size === 0) return sm2Sign(message, privateKey);
    return (await this.send([], { message, privateKey })).signature!;
  }

  close(): Promise<void> {
    return this.workers.close();
  }

  /** To the least busy worker; what a worker that dies had not answered is done here instead. */
  private send(jobs: SignatureJob[], sign?: SignJob): Promise<SignatureReply> {
    const worker = this.workers.leastBusy();
    const here = (): SignatureReply => ({
      seq: 0,
      valid: jobs.map((j) => sm2Verify(j.message, j.signature, j.publicKey)),
      ...(sign ? { signature: sm2Sign(sign.message, sign.privateKey) } : {}),
    });
    if (!worker) return Promise.resolve(here());
    const message: SignatureRequest = { seq: this.workers.nextSeq(), jobs, ...(sign ? { sign } : {}) };
    // Weight: the signatures this message asks of its worker (checks plus an own signature).
    return this.workers.post(worker, jobs.length + (sign ? 1 : 0), message, [], here);
  }
}

function toJob(c: HopSignatureCheck): SignatureJob {
  return { publicKey: typeof c.key === 'string' ? c.key : c.key.publicKey, message: c.message, signature: c.signature };
}

function verifyInline(c: HopSignatureCheck): boolean {
  return sm2Verify(c.message, c.signature, c.key);
}

/** One worker per core beyond the main thread's, at most 4 (none on a single core). */
export function defaultVerifyWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

const shared = new Map<number, SignaturePool>();

/**
 * The process's pool of `size` workers, created on first use. Devices in one
 * process (tests, the benchmark, `npm run network`) share it rather than
 * each starting threads for the same cores. Undefined for size 0: inline.
 */
export function sharedSignaturePool(size: number): SignaturePool | undefined {
  if (size <= 0) return undefined;
  let pool = shared.get(size);
  if (!pool || pool.size === 0) shared.set(size, (pool = new SignaturePool(size)));
  return pool;
}
