import { runJobs } from '../evidence/prepare-jobs.js';
import type { PrepareContext } from '../evidence/prepare.js';
import type { Intake } from '../ports/intake.js';

/**
 * The intake step on the calling thread (INTAKE_WORKERS=0, tests, in-process
 * callers): the same jobs, the same answers as the threads adapter, without
 * threads or packed wire formats.
 */
export function inlineIntake(ctx: PrepareContext): Intake {
  return {
    prepare: async (jobs) => runJobs(jobs, ctx).results,
    close: async () => undefined,
  };
}
