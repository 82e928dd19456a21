import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EvidenceError, type ErrorCode } from '@evidence/core';
import { GatewayError, type GatewayErrorCode } from '../errors.js';
import { prepareMany, type Prepared, type PrepareContext, type RecordInput } from './prepare.js';

/** How items are named in errors: "body/items/<i>/" (indexed) or a fixed prefix. */
export interface Where {
  prefix: string;
  indexed: boolean;
}

export interface PrepareRequest {
  seq: number;
  inputs: RecordInput[];
  client: string;
  receivedAt: number;
  where: Where;
  offset: number;
}

export type PrepareReply =
  | { seq: number; ok: true; prepared: Prepared[] }
  | { seq: number; ok: false; code: string; message: string; gateway: boolean };

/** Below this many items a request is prepared on the main thread: messaging would cost more than it saves. */
const PARALLEL_FROM = 64;

/**
 * Intake preparation is CPU work (SM3, SM4, JCS, schema checks). Large
 * requests are split between the main thread and worker threads so a bulk
 * feed uses every core; results come back in request order, and the first bad
 * item (lowest index) is the one reported, as on a single thread.
 */
export class PreparePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (p: Prepared[]) => void; reject: (e: unknown) => void; worker: Worker }>();
  private seq = 0;
  private next = 0;

  constructor(
    private readonly ctx: PrepareContext,
    size: number = defaultSize(),
  ) {
    for (let i = 0; i < size; i++) {
      const worker = spawnWorker({ gatewayId: ctx.gatewayId, subjectKey: ctx.subjectKey });
      worker.unref();
      worker.on('message', (r: PrepareReply) => this.settle(r));
      worker.on('error', (e) => this.fail(worker, e));
      worker.on('exit', () => this.fail(worker, new Error('intake worker exited')));
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  async prepare(inputs: RecordInput[], client: string, receivedAt: number, where: Where): Promise<Prepared[]> {
    const name = (i: number) => (where.indexed ? `${where.prefix}${i}/` : where.prefix);
    if (this.workers.length === 0 || inputs.length < PARALLEL_FROM) return prepareMany(inputs, this.ctx, client, receivedAt, name);
    const parts = this.workers.length + 1;
    const size = Math.ceil(inputs.length / parts);
    const remote: Promise<Prepared[]>[] = [];
    for (let p = 1; p < parts; p++) {
      const offset = p * size;
      if (offset >= inputs.length) break;
      remote.push(this.send({ seq: 0, inputs: inputs.slice(offset, offset + size), client, receivedAt, where, offset }));
    }
    // The main thread prepares the first part meanwhile.
    let local: Prepared[] | null = null;
    let localError: unknown = null;
    try {
      local = prepareMany(inputs.slice(0, size), this.ctx, client, receivedAt, name);
    } catch (e) {
      localError = e;
    }
    const settled = await Promise.allSettled(remote);
    if (localError) throw localError;
    const out = local!;
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      for (const p of s.value) out.push(p);
    }
    return out;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private send(req: PrepareRequest): Promise<Prepared[]> {
    const worker = this.workers[this.next++ % this.workers.length]!;
    const seq = ++this.seq;
    return new Promise<Prepared[]>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, worker });
      worker.postMessage({ ...req, seq });
    });
  }

  private settle(r: PrepareReply): void {
    const p = this.pending.get(r.seq);
    if (!p) return;
    this.pending.delete(r.seq);
    if (r.ok) p.resolve(r.prepared);
    else p.reject(r.gateway ? new GatewayError(r.code as GatewayErrorCode, r.message) : new EvidenceError(r.code as ErrorCode, r.message));
  }

  private fail(worker: Worker, e: Error): void {
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    for (const [seq, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(seq);
      p.reject(new GatewayError('INTERNAL', `intake worker failed: ${e.message}`));
    }
  }
}

/**
 * Built (dist/*.js), the worker is a plain module. Run from sources (tsx,
 * tests), the worker thread first registers tsx's loader and resolves
 * workspace packages to their sources, as the main thread does.
 */
function spawnWorker(workerData: unknown): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./prepare-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData, execArgv: ['--conditions=source'] });
}

/** One worker per core beyond the main thread's, at most 4. */
function defaultSize(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}
