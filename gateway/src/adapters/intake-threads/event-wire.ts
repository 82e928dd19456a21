import type { PrepareJob, PrepareResult } from '../../ports/intake.js';
import type { Prepared } from '../../evidence/prepare.js';
import { packRun, unpackRun, type PackedRun } from './prepared-wire.js';

/**
 * Single events (POST /v1/evidence bodies) as they travel to an intake worker
 * and back, a turn's worth at a time: every body in one buffer that moves to
 * the worker, every record in one packed run that moves back.
 *
 * postMessage clones each string and object on its own, on both sides; one
 * transferred buffer and a few typed arrays cost a tenth of that (README:
 * Intake threads).
 */
export interface EventsMessage {
  seq: number;
  events: {
    /** The bodies, one after another, as received (UTF-8). Their own buffer: it moves. */
    bodies: Uint8Array;
    /** Where each body ends in `bodies`. */
    ends: Uint32Array;
    receivedAt: Float64Array;
  };
}

/** The worker's answer: the records of the events that passed, in order, and the refusals by event index. */
export interface EventsReply {
  seq: number;
  arena: ArrayBuffer;
  run: PackedRun;
  refused: { index: number; result: Extract<PrepareResult, { ok: false }> }[];
}

/** What every single event's job shares (its body shape and error prefix). */
const EVENT_SHAPE = { kind: 'event' } as const;
const EVENT_WHERE = { prefix: 'body/', indexed: false } as const;

export const isSingleEvent = (job: PrepareJob): job is PrepareJob & { body: string | Uint8Array } =>
  job.body !== undefined && job.shape?.kind === 'event';

/** On the main thread: the bodies of single-event jobs, copied once into a buffer that can move. */
export function packEvents(seq: number, jobs: readonly (PrepareJob & { body: string | Uint8Array })[]): { message: EventsMessage; transfer: ArrayBuffer[] } {
  const ends = new Uint32Array(jobs.length);
  const receivedAt = new Float64Array(jobs.length);
  let total = 0;
  jobs.forEach((job, i) => {
    total += typeof job.body === 'string' ? Buffer.byteLength(job.body, 'utf8') : job.body.byteLength;
    ends[i] = total;
    receivedAt[i] = job.receivedAt;
  });
  const bodies = Buffer.from(new ArrayBuffer(total));
  jobs.forEach((job, i) => {
    const at = i === 0 ? 0 : ends[i - 1]!;
    if (typeof job.body === 'string') bodies.write(job.body, at, 'utf8');
    else bodies.set(job.body, at);
  });
  const view = new Uint8Array(bodies.buffer, 0, total);
  return { message: { seq, events: { bodies: view, ends, receivedAt } }, transfer: [bodies.buffer as ArrayBuffer] };
}

/** In the worker: the jobs again, each body a view into the moved buffer (the client is the main thread's to fill in). */
export function unpackEvents(events: EventsMessage['events']): PrepareJob[] {
  const jobs = new Array<PrepareJob>(events.ends.length);
  let start = 0;
  for (let i = 0; i < jobs.length; i++) {
    const end = events.ends[i]!;
    jobs[i] = { body: events.bodies.subarray(start, end), shape: EVENT_SHAPE, client: '', receivedAt: events.receivedAt[i]!, where: EVENT_WHERE, offset: 0 };
    start = end;
  }
  return jobs;
}

/** In the worker: every prepared record in one packed run over the shared arena, refusals apart. */
export function packEventResults(seq: number, results: readonly PrepareResult[], arena: ArrayBuffer): EventsReply {
  const prepared: Prepared[] = [];
  const refused: EventsReply['refused'] = [];
  results.forEach((r, index) => {
    if (r.ok) for (const p of r.prepared) prepared.push(p);
    else refused.push({ index, result: r });
  });
  return { seq, arena, run: packRun(prepared, arena), refused };
}

/**
 * On the main thread: each job's outcome, in job order: its one record, with
 * the job's own client and receive time, or its refusal.
 */
export function unpackEventResults(reply: EventsReply, jobs: readonly PrepareJob[], gatewayId: string): PrepareResult[] {
  const records = unpackRun(reply.run, reply.arena, { client: '', receivedAt: 0, gatewayId });
  const refusals = new Map(reply.refused.map((r) => [r.index, r.result]));
  if (records.length + refusals.size !== jobs.length) throw new Error(`intake worker answered ${records.length} records and ${refusals.size} refusals for ${jobs.length} events`);
  let next = 0;
  return jobs.map((job, i): PrepareResult => {
    const refusal = refusals.get(i);
    if (refusal) return refusal;
    const p = records[next++]!;
    p.record.client = job.client;
    p.record.receivedAt = job.receivedAt;
    return { ok: true, prepared: [p] };
  });
}
