import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
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

interface Pending {
  resolve: (valid: boolean[]) => void;
  jobs: readonly VerifyJob[];
  worker: Worker;
}

/** Below this many jobs per thread, splitting costs more in messages than it saves. */
const MIN_SLICE = 32;

/**
 * Worker threads sharing each verify call between them. A thread that dies
 * has its jobs checked on the calling thread instead, so an audit never
 * stops or passes because a thread failed.
 */
class WorkerVerifier implements SignatureVerifier {
  private readonly workers: Worker[] = [];
  private readonly outstanding = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private readonly inline = new PreparedKeys();
  private seq = 0;

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      const worker = spawnWorker();
      worker.on('message', (m: { id: number; valid: Uint8Array }) => this.settle(m.id, m.valid));
      worker.on('error', () => this.retire(worker));
      worker.on('exit', () => this.retire(worker));
      // After the listeners (adding one refs the port again): an idle thread never keeps the process alive.
      worker.unref();
      this.workers.push(worker);
      this.outstanding.set(worker, 0);
    }
  }

  async verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    if (this.workers.length === 0) return verifyJobs(jobs, this.inline);
    const parts = Math.max(1, Math.min(this.workers.length, Math.floor(jobs.length / MIN_SLICE)));
    const per = Math.ceil(jobs.length / parts);
    const slices: Promise<boolean[]>[] = [];
    for (let at = 0; at < jobs.length; at += per) slices.push(this.send(jobs.slice(at, at + per)));
    return (await Promise.all(slices)).flat();
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private send(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    let worker = this.workers[0]!;
    for (const w of this.workers) if (this.outstanding.get(w)! < this.outstanding.get(worker)!) worker = w;
    const id = ++this.seq;
    const before = this.outstanding.get(worker)!;
    if (before === 0) worker.ref();
    this.outstanding.set(worker, before + jobs.length);
    const packed: PackedJobs = packJobs(id, jobs);
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, jobs, worker });
      worker.postMessage(packed, [packed.keyIndex.buffer, packed.offsets.buffer, packed.messages.buffer, packed.signatures.buffer]);
    });
  }

  private settle(id: number, valid: Uint8Array): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const left = Math.max(0, (this.outstanding.get(p.worker) ?? 0) - p.jobs.length);
    this.outstanding.set(p.worker, left);
    if (left === 0) p.worker.unref();
    p.resolve(Array.from(valid, (v) => v === 1));
  }

  private retire(worker: Worker): void {
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    this.outstanding.delete(worker);
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.resolve(verifyJobs(p.jobs, this.inline));
    }
  }
}

/**
 * Built (dist/*.js), the worker is a plain module. Run from sources (tsx,
 * vitest), the thread first registers tsx's loader, as the main thread did.
 */
function spawnWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./signature-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(entry);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}
