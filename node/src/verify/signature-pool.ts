import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sm2Sign, sm2Verify, type HopSignatureCheck } from '@evidence/core';

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

interface Pending {
  resolve: (reply: { valid: boolean[]; signature?: Uint8Array }) => void;
  jobs: SignatureJob[];
  sign?: SignJob;
  worker: Worker;
  /** Signatures this message asks of its worker (checks plus an own signature). */
  weight: number;
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
  private readonly workers: Worker[] = [];
  private readonly outstanding = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = spawnWorker();
      worker.on('message', (r: SignatureReply) => this.settle(r));
      worker.on('error', () => this.retire(worker));
      worker.on('exit', () => this.retire(worker));
      // After the listeners (adding one refs the port again): an idle worker never keeps the process alive.
      worker.unref();
      this.workers.push(worker);
      this.outstanding.set(worker, 0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** No worker has anything outstanding. */
  get idle(): boolean {
    for (const n of this.outstanding.values()) if (n > 0) return false;
    return true;
  }

  /** Checks every signature; the answer is in the order of `checks`. */
  async verify(checks: readonly HopSignatureCheck[], options: VerifyOptions = {}): Promise<boolean[]> {
    if (this.workers.length === 0) return checks.map(verifyInline);
    const callerTakes = options.shareWithCaller ?? this.idle;
    const parts = Math.min(checks.length, this.workers.length + (callerTakes ? 1 : 0));
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
    if (this.workers.length === 0) return sm2Sign(message, privateKey);
    return (await this.send([], { message, privateKey })).signature!;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private send(jobs: SignatureJob[], sign?: SignJob): Promise<{ valid: boolean[]; signature?: Uint8Array }> {
    let worker = this.workers[0]!;
    for (const w of this.workers) if (this.outstanding.get(w)! < this.outstanding.get(worker)!) worker = w;
    const seq = ++this.seq;
    const before = this.outstanding.get(worker)!;
    if (before === 0) worker.ref(); // a process waiting for an answer stays alive
    const weight = jobs.length + (sign ? 1 : 0);
    this.outstanding.set(worker, before + weight);
    return new Promise((resolve) => {
      this.pending.set(seq, { resolve, jobs, worker, weight, ...(sign ? { sign } : {}) });
      const message: SignatureRequest = { seq, jobs, ...(sign ? { sign } : {}) };
      worker.postMessage(message);
    });
  }

  private settle(r: SignatureReply): void {
    const p = this.pending.get(r.seq);
    if (!p) return;
    this.pending.delete(r.seq);
    const left = Math.max(0, (this.outstanding.get(p.worker) ?? 0) - p.weight);
    this.outstanding.set(p.worker, left);
    if (left === 0) p.worker.unref();
    p.resolve(r);
  }

  /** A failed worker leaves the pool; what it had not answered is checked here. */
  private retire(worker: Worker): void {
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    this.outstanding.delete(worker);
    for (const [seq, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(seq);
      p.resolve({
        valid: p.jobs.map((j) => sm2Verify(j.message, j.signature, j.publicKey)),
        ...(p.sign ? { signature: sm2Sign(p.sign.message, p.sign.privateKey) } : {}),
      });
    }
  }
}

function toJob(c: HopSignatureCheck): SignatureJob {
  return { publicKey: typeof c.key === 'string' ? c.key : c.key.publicKey, message: c.message, signature: c.signature };
}

function verifyInline(c: HopSignatureCheck): boolean {
  return sm2Verify(c.message, c.signature, c.key);
}

/**
 * Built (dist/*.js), the worker is a plain module. Run from sources (tsx,
 * tests), the worker thread first registers tsx's loader and resolves
 * workspace packages to their sources, as the main thread does.
 */
function spawnWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./signature-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(entry);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, execArgv: ['--conditions=source'] });
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
