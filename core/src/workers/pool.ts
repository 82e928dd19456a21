import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** What every message to and from a pooled worker carries: the number pairing an answer with its question. */
export interface Sequenced {
  seq: number;
}

export interface WorkerPoolOptions {
  /**
   * The worker module beside the caller, by its name without extension, and
   * the caller's import.meta.url: built, the module is `<name>.js`; run from
   * sources (tsx, vitest), `<name>.ts`.
   */
  entry: { from: string; name: string };
  workerData?: unknown;
  resourceLimits?: ResourceLimits;
}

interface Pending<R> {
  worker: Worker;
  weight: number;
  lost: ((error: Error) => R) | undefined;
  answer: (r: R) => void;
  fail: (e: unknown) => void;
}

/**
 * Worker threads answering sequenced messages: the boot (built or from
 * sources), pairing answers with questions, each worker's outstanding load,
 * and what happens when a worker dies. The pools of the audit, the routing
 * node's signatures and the gateway's intake differ only in what they send
 * and how they split work, which stays with them.
 */
export class WorkerPool<M extends Sequenced, R extends Sequenced> {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending<R>>();
  private seq = 0;
  private messages = 0;

  constructor(
    size: number,
    options: WorkerPoolOptions,
  ) {
    for (let i = 0; i < size; i++) {
      const worker = spawnWorker(options);
      worker.on('message', (r: R) => this.answered(r));
      worker.on('error', (e) => this.retire(worker, e));
      worker.on('exit', () => this.retire(worker, new Error('worker thread exited')));
      // After the listeners (adding one refs the port again): an idle worker never keeps the process alive.
      worker.unref();
      this.workers.push(worker);
      this.load.set(worker, 0);
    }
  }

  /** Workers alive. */
  get size(): number {
    return this.workers.length;
  }

  /** Messages posted so far. */
  get posted(): number {
    return this.messages;
  }

  /** No worker has anything outstanding. */
  get idle(): boolean {
    for (const n of this.load.values()) if (n > 0) return false;
    return true;
  }

  /** The next sequence number, for a message built before it is posted. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** The worker with the least outstanding weight; undefined when none is alive. */
  leastBusy(): Worker | undefined {
    let best: Worker | undefined;
    for (const w of this.workers) if (!best || this.load.get(w)! < this.load.get(best)!) best = w;
    return best;
  }

  /** The first worker whose outstanding weight is below `limit`, in spawn order. */
  firstBelow(limit: number): Worker | undefined {
    return this.workers.find((w) => this.load.get(w)! < limit);
  }

  /** The last worker spawned (still alive). */
  last(): Worker | undefined {
    return this.workers.at(-1);
  }

  /**
   * Posts `message` (its seq from nextSeq) to `worker`, counting `weight`
   * against the worker until it answers. `transfer` moves buffers instead of
   * copying them: they are unusable here afterwards. Should the worker die
   * before answering, `lost` gives the answer on the calling thread (a check
   * that must neither pass nor stop because a thread failed); without it the
   * promise rejects with the worker's error.
   */
  post(worker: Worker, weight: number, message: M, transfer: readonly ArrayBuffer[] = [], lost?: (error: Error) => R): Promise<R> {
    const before = this.load.get(worker) ?? 0;
    // A worker with work outstanding keeps the process alive (an idle one never does).
    if (before === 0) worker.ref();
    this.load.set(worker, before + weight);
    this.messages++;
    return new Promise<R>((answer, fail) => {
      this.pending.set(message.seq, { worker, weight, lost, answer, fail });
      worker.postMessage(message, transfer as ArrayBuffer[]);
    });
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private answered(r: R): void {
    const p = this.pending.get(r.seq);
    if (!p) return;
    this.pending.delete(r.seq);
    this.release(p);
    p.answer(r);
  }

  private release(p: Pending<R>): void {
    const left = Math.max(0, (this.load.get(p.worker) ?? 0) - p.weight);
    if (!this.load.has(p.worker)) return;
    this.load.set(p.worker, left);
    if (left === 0) p.worker.unref();
  }

  /** A failed worker leaves the pool; what it had not answered is answered by its `lost`, or refused. */
  private retire(worker: Worker, e: Error): void {
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    this.load.delete(worker);
    for (const [seq, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(seq);
      if (!p.lost) {
        p.fail(e);
        continue;
      }
      try {
        p.answer(p.lost(e));
      } catch (refused) {
        p.fail(refused);
      }
    }
  }
}

/**
 * Built (dist/*.js), the worker is a plain module. Run from sources (tsx,
 * tests), the worker thread first registers tsx's loader and resolves
 * workspace packages to their sources, as the main thread does.
 */
function spawnWorker(o: WorkerPoolOptions): Worker {
  const fromSource = o.entry.from.endsWith('.ts');
  const entry = new URL(`./${o.entry.name}.${fromSource ? 'ts' : 'js'}`, o.entry.from);
  const options = { ...(o.workerData !== undefined ? { workerData: o.workerData } : {}), ...(o.resourceLimits ? { resourceLimits: o.resourceLimits } : {}) };
  if (!fromSource) return new Worker(entry, options);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true, execArgv: ['--conditions=source'] });
}
