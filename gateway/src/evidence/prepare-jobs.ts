import { EvidenceError, isEvidenceError, type ErrorCode } from '@evidence/core';
import { GatewayError, isGatewayError, type GatewayErrorCode } from '../errors.js';
import { readBody, type BodyShape } from './request-body.js';
import { checkRun, fillRun, type CheckedRun, type Prepared, type PrepareContext, type RecordInput } from './prepare.js';

/** How items are named in errors: "body/items/<i>/" (indexed) or a fixed prefix. */
export interface Where {
  prefix: string;
  indexed: boolean;
}

/** One request's events (or a slice of them) to prepare: parsed already, or a request body as received. */
export interface PrepareJob {
  inputs?: RecordInput[];
  /** A body as received (text, or bytes for a bulk feed), parsed and validated against its shape before anything is prepared. */
  body?: string | Uint8Array;
  shape?: BodyShape;
  client: string;
  receivedAt: number;
  where: Where;
  /** Index of the first input within its request (a slice of a large one). */
  offset: number;
}

/** A job's outcome as it crosses threads: errors travel as code and message. */
export type PrepareResult = { ok: true; prepared: Prepared[] } | { ok: false; code: string; message: string; gateway: boolean };

/**
 * Runs several jobs (one worker message, or the small requests of one turn):
 * each is checked on its own, so a bad one fails alone, and the records of all
 * the good ones are computed into one arena, transferable in one piece.
 */
export function runJobs(jobs: readonly PrepareJob[], ctx: PrepareContext): { results: PrepareResult[]; arena: ArrayBuffer } {
  let bytes = 0;
  const checked = jobs.map((job): CheckedRun | PrepareResult => {
    try {
      const name = (i: number) => (job.where.indexed ? `${job.where.prefix}${job.offset + i}/` : job.where.prefix);
      const inputs = job.body !== undefined ? readBody(job.body, job.shape!) : job.inputs!;
      const run = checkRun(inputs, ctx, job.receivedAt, name);
      bytes += run.bytes;
      return run;
    } catch (e) {
      return failure(e);
    }
  });
  const arena = new ArrayBuffer(bytes);
  let offset = 0;
  const results = checked.map((c, i): PrepareResult => {
    if (!('items' in c)) return c;
    const at = offset;
    offset += c.bytes;
    try {
      return { ok: true, prepared: fillRun(c, ctx, jobs[i]!.client, jobs[i]!.receivedAt, arena, at) };
    } catch (e) {
      return failure(e);
    }
  });
  return { results, arena };
}

function failure(e: unknown): PrepareResult {
  const coded = isGatewayError(e) || isEvidenceError(e);
  return { ok: false, code: coded ? e.code : 'INTERNAL', message: (e as Error).message, gateway: !coded || isGatewayError(e) };
}

/** A failed result back as the error it was. */
export function errorOf(r: Extract<PrepareResult, { ok: false }>): Error {
  return r.gateway ? new GatewayError(r.code as GatewayErrorCode, r.message) : new EvidenceError(r.code as ErrorCode, r.message);
}

export function unwrap(r: PrepareResult): Prepared[] {
  if (r.ok) return r.prepared;
  throw errorOf(r);
}
