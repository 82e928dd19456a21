import { readBody, type BodyShape } from './request-body.js';
import { prepareRun, type PreparedRun, type PrepareContext, type RecordInput } from './prepare.js';

/** How items are named in errors: "body/items/<i>/" (indexed) or a fixed prefix. */
export interface Where {
  prefix: string;
  indexed: boolean;
}

/** One request's events (or a slice of them) to prepare: parsed already, or a request body as received. */
export interface PrepareJob {
  inputs?: RecordInput[];
  /** A body's raw text, parsed and validated against its shape before anything is prepared. */
  text?: string;
  shape?: BodyShape;
  client: string;
  receivedAt: number;
  where: Where;
  /** Index of the first input within its request (a slice of a large one). */
  offset: number;
}

/** Runs one job, in an intake worker or on the main thread alike. */
export function runJob(job: PrepareJob, ctx: PrepareContext): PreparedRun {
  const name = (i: number) => (job.where.indexed ? `${job.where.prefix}${job.offset + i}/` : job.where.prefix);
  const inputs = job.text !== undefined ? readBody(job.text, job.shape!) : job.inputs!;
  return prepareRun(inputs, ctx, job.client, job.receivedAt, name);
}
