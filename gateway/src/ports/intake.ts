import type { Prepared, RecordInput } from '../evidence/prepare.js';

/** What a request body holds: one event (POST /v1/evidence) or a bulk feed (POST /v1/evidence/batch). */
export type BodyShape = { kind: 'event' } | { kind: 'bulk'; maxItems: number };

/** How items are named in errors: "body/items/<i>/" (indexed) or a fixed prefix. */
export interface Where {
  prefix: string;
  indexed: boolean;
}

/** One request's events to prepare: a request body as received, or events already parsed (in-process callers). */
export interface PrepareJob {
  inputs?: RecordInput[];
  /**
   * A body as received (text, or bytes), read and validated against its shape
   * before anything is prepared. Bytes may move to another thread: the caller
   * must not use them afterwards.
   */
  body?: string | Uint8Array;
  shape?: BodyShape;
  client: string;
  receivedAt: number;
  where: Where;
  /** Index of the first input within its request (a slice of a large one). */
  offset: number;
}

/** A job's outcome: its records, or its refusal as code and message (errors cross threads that way). */
export type PrepareResult = { ok: true; prepared: Prepared[] } | { ok: false; code: string; message: string; gateway: boolean };

/**
 * The intake step (evidence/prepare.ts: read, validate, pseudonymise, commit,
 * encrypt) for several jobs, each answered on its own and in order: a bad job
 * is refused alone. Adapters: inline (adapters/intake-inline.ts, the calling
 * thread) and threads (adapters/intake-threads/), both held to
 * test/conformance/intake.ts.
 */
export type PrepareBodies = (jobs: readonly PrepareJob[]) => Promise<PrepareResult[]>;

export interface Intake {
  prepare: PrepareBodies;
  close(): Promise<void>;
}
