import { EvidenceError, isEvidenceError, type ErrorCode } from '@evidence/core';
import { GatewayError, isGatewayError, type GatewayErrorCode } from '../errors.js';
import type { PrepareJob, PrepareResult } from '../ports/intake.js';
import { fillRun, type Prepared, type PrepareContext } from './prepare.js';
import { readRequest } from './request.js';
import { validateRun, type CheckedRun } from './validate.js';

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
      const inputs = job.body !== undefined ? readRequest(job.body, job.shape!) : job.inputs!;
      const run = validateRun(inputs, ctx, job.receivedAt, name);
      bytes += run.bytes;
      return run;
    } catch (e) {
      return refusalOf(e);
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
      return refusalOf(e);
    }
  });
  return { results, arena };
}

/** An error as a refused result: the code and message cross threads; anything uncoded is INTERNAL. */
export function refusalOf(e: unknown): Extract<PrepareResult, { ok: false }> {
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
