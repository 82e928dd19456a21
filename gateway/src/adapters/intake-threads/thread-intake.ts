import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { WorkerPool } from '@evidence/core';
import { GatewayError } from '../../errors.js';
import { errorOf, refusalOf, runJobs, unwrap } from '../../evidence/prepare-jobs.js';
import { prepare, type Prepared, type PrepareContext, type RecordInput } from '../../evidence/prepare.js';
import type { Intake, PrepareJob, PrepareResult } from '../../ports/intake.js';
import { INTAKE_WORKER_LIMITS } from '../../runtime.js';
import { isSingleEvent, packEvents, unpackEventResults, type EventsMessage, type EventsReply } from './event-wire.js';
import { MainLoad } from './main-load.js';
import { unpackRun, type PackedRun } from './prepared-wire.js';

export interface PrepareMessage {
  seq: number;
  jobs: PrepareJob[];
}

/** A worker's answer: per job, its records packed (or its error), all viewing one transferred arena. */
export interface PrepareReply {
  seq: number;
  arena: ArrayBuffer;
  results: ({ ok: true; packed: PackedRun } | Extract<PrepareResult, { ok: false }>)[];
}

/** From this many items a request is split between the main thread and the workers. */
const PARALLEL_FROM = 64;
/** Small requests arriving in one event-loop turn go to a worker together once there are this many items (and the main thread is busy). */
const COALESCE_FROM = 8;
/**
 * The main thread's busy share above which small requests are handed to a
 * worker; below it they are prepared where they arrived. Handing a turn's
 * single events to a worker frees the main thread but costs more CPU than
 * preparing them (two cross-thread wake-ups per message, copying, work done
 * on data no longer in this core's cache), so the bar is high on purpose:
 * only where the main thread is the bottleneck and cores are free does
 * spilling let intake grow past it. The measurements behind the value are in
 * gateway/README.md (Intake threads).
 */
const SPILL_AT = 0.98;
/** A worker with this many items outstanding is busy: the next small ones go to another, or the main thread prepares them itself. */
const BUSY_AT = 48;

interface Small {
  job: PrepareJob;
  resolve: (p: Prepared[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Intake preparation is CPU work (SM3, SM4, JCS, schema checks). Large
 * requests are split between the main thread and worker threads so a bulk
 * feed uses every core; results come back in request order, and the first bad
 * item (lowest index) is the one reported, as on a single thread. Small
 * requests arriving together are prepared on the main thread, together, while
 * it has time to spare; once it is busy (SPILL_AT) they are handed to the
 * first worker that is not busy, as one message, so the main thread is left
 * with HTTP and writing.
 *
 * Bodies move to a worker as received (bytes that own their buffer are
 * transferred, not copied: the caller must not use them afterwards); records
 * come back packed (prepared-wire, event-wire) in one transferred arena.
 */
export class ThreadIntake implements Intake {
  /** Each worker's load is the items it has not answered yet. */
  private readonly workers: WorkerPool<PrepareMessage | EventsMessage, Reply>;
  private small: Small[] = [];
  private readonly mainLoad: MainLoad | null;
  private readonly spillAt: number;

  /** `spillAt`: the main thread's busy share from which small requests go to a worker (0: always, as tests of the worker path want). */
  constructor(
    private readonly ctx: PrepareContext,
    size: number = defaultSize(),
    options: { spillAt?: number } = {},
  ) {
    this.spillAt = options.spillAt ?? SPILL_AT;
    this.mainLoad = size > 0 && this.spillAt > 0 ? new MainLoad() : null;
    this.workers = new WorkerPool(size, {
      entry: { from: import.meta.url, name: 'intake-worker' },
      workerData: { gatewayId: ctx.gatewayId, subjectKey: ctx.subjectKey },
      resourceLimits: INTAKE_WORKER_LIMITS,
    });
  }

  get size(): number {
    return this.workers.size;
  }

  /** Messages posted to workers so far (tests, and to tell where intake ran). */
  get posted(): number {
    return this.workers.posted;
  }

  /** The port: each job on its own, answered in order. */
  readonly prepare = async (jobs: readonly PrepareJob[]): Promise<PrepareResult[]> => {
    const settled = await Promise.allSettled(jobs.map((job) => this.one(job)));
    return settled.map((s): PrepareResult => (s.status === 'fulfilled' ? { ok: true, prepared: s.value } : refusalOf(s.reason)));
  };

  /** One job; async, so a refusal on this thread rejects this job alone. */
  private async one(job: PrepareJob): Promise<Prepared[]> {
    if (this.workers.size === 0) return unwrap(runJobs([job], this.ctx).results[0]!);
    if (job.body !== undefined) {
      // One event: gathered with the turn's others. A bulk body: to the least busy worker, moved when it can be.
      if (job.shape?.kind === 'event') return this.enqueueSmall(job);
      return this.send([job], this.workers.leastBusy()!, movable(job.body)).then((r) => unwrap(r[0]!));
    }
    const inputs = job.inputs!;
    if (inputs.length < PARALLEL_FROM) return this.enqueueSmall(job);
    return this.split(job, inputs);
  }

  /** A large run of parsed events, split between the main thread and every worker; the first bad item (lowest index) is reported. */
  private async split(job: PrepareJob, inputs: readonly RecordInput[]): Promise<Prepared[]> {
    const { client, receivedAt, where } = job;
    const name = (i: number) => (where.indexed ? `${where.prefix}${i}/` : where.prefix);
    const parts = this.workers.size + 1;
    const size = Math.ceil(inputs.length / parts);
    const remote: Promise<Prepared[]>[] = [];
    for (let p = 1; p < parts; p++) {
      const offset = p * size;
      if (offset >= inputs.length) break;
      remote.push(this.send([{ inputs: inputs.slice(offset, offset + size), client, receivedAt, where, offset }]).then((r) => unwrap(r[0]!)));
    }
    // The main thread prepares the first part meanwhile.
    let local: Prepared[] | null = null;
    let localError: unknown = null;
    try {
      local = prepare(inputs.slice(0, size), this.ctx, client, receivedAt, name);
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
    this.mainLoad?.stop();
    await this.workers.close();
  }

  /** Many small concurrent requests: gathered for one turn, then one message to a worker. */
  private enqueueSmall(job: PrepareJob): Promise<Prepared[]> {
    return new Promise<Prepared[]>((resolve, reject) => {
      this.small.push({ job, resolve, reject });
      if (this.small.length === 1) setImmediate(() => this.flushSmall());
    });
  }

  private flushSmall(): void {
    const group = this.small;
    this.small = [];
    const items = group.reduce((n, s) => n + (s.job.inputs?.length ?? 1), 0);
    // The first worker that is not busy, not the idlest: under a stream of single events one worker, already
    // awake, takes them all and the others stay asleep (README: Intake threads). A bulk feed still spreads.
    const worker = this.workers.firstBelow(BUSY_AT);
    const spill = this.mainLoad === null || this.mainLoad.utilisation >= this.spillAt;
    if (items < COALESCE_FROM || !worker || !spill) {
      answer(group, runJobs(group.map((s) => s.job), this.ctx).results);
      return;
    }
    // Single events travel packed; anything else (small in-process runs) as jobs.
    const events = group.filter((s) => isSingleEvent(s.job));
    const others = events.length === group.length ? [] : group.filter((s) => !isSingleEvent(s.job));
    if (events.length > 0) settle(events, this.sendEvents(events.map((s) => s.job as PrepareJob & { body: string | Uint8Array }), worker));
    if (others.length > 0) settle(others, this.send(others.map((s) => s.job), worker));
  }

  /** Jobs as one message to `worker`; the records come back packed (prepared-wire). */
  private send(jobs: PrepareJob[], worker = this.workers.leastBusy()!, transfer: ArrayBuffer[] = []): Promise<PrepareResult[]> {
    const seq = this.workers.nextSeq();
    // A bulk body's size is unknown until parsed; its length stands in (about 350 bytes an item).
    const items = jobs.reduce((n, j) => n + (j.inputs?.length ?? (j.shape?.kind === 'bulk' ? Math.ceil((j.body?.length ?? 0) / 350) : 1)), 0);
    const { gatewayId } = this.ctx;
    // The records come back packed; the job still knows what is the same for all of them.
    const unpack = (r: PrepareReply): PrepareResult[] =>
      r.results.map((w, i) => (w.ok ? { ok: true, prepared: unpackRun(w.packed, r.arena, { client: jobs[i]!.client, receivedAt: jobs[i]!.receivedAt, gatewayId }) } : w));
    const message: PrepareMessage = { seq, jobs };
    return this.post(worker, items, message, transfer).then((r) => unpack(r as PrepareReply));
  }

  /** Single events: their bodies in one moved buffer, their records back in one packed run (event-wire). */
  private sendEvents(jobs: (PrepareJob & { body: string | Uint8Array })[], worker: Worker): Promise<PrepareResult[]> {
    const { message, transfer } = packEvents(this.workers.nextSeq(), jobs);
    return this.post(worker, jobs.length, message, transfer).then((r) => unpackEventResults(r as EventsReply, jobs, this.ctx.gatewayId));
  }

  /** Posts a message to a worker, counting its items against the worker's load until it answers; a worker that dies refuses what it held. */
  private post(worker: Worker, items: number, message: PrepareMessage | EventsMessage, transfer: ArrayBuffer[]): Promise<Reply> {
    return this.workers.post(worker, items, message, transfer, (e) => {
      throw new GatewayError('INTERNAL', `intake worker failed: ${e.message}`);
    });
  }
}

type Reply = PrepareReply | EventsReply;

/** Resolves each small request with its records, or refuses it alone. */
function answer(group: Small[], results: PrepareResult[]): void {
  results.forEach((r, i) => (r.ok ? group[i]!.resolve(r.prepared) : group[i]!.reject(errorOf(r))));
}

/** The same once a worker answers; a failed worker refuses them all. */
function settle(group: Small[], results: Promise<PrepareResult[]>): void {
  results.then(
    (rs) => answer(group, rs),
    (e: unknown) => group.forEach((s) => s.reject(e)),
  );
}

/** The buffer behind `body` when the body spans all of it, so it can move to a worker; a view into a shared pool is copied instead. */
function movable(body: string | Uint8Array): ArrayBuffer[] {
  if (typeof body === 'string' || !(body.buffer instanceof ArrayBuffer)) return [];
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? [body.buffer] : [];
}

/**
 * One worker per core, at most 4: with bulk bodies parsed in the workers the
 * main thread is left with HTTP and writing, so the workers get every core.
 */
function defaultSize(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
