import { fromHex, isEvidenceError, type Anchor, type AnchorRef } from '@evidence/core';
import { outcomeJobId, QUEUES, type CheckpointJob, type CheckpointOutcome } from '../jobs.js';
import { UnrecoverableJobError, type JobQueue } from '../ports/queue.js';

/** Refusals no retry can fix: the chain says this gateway may not anchor this, or this checkpoint contradicts what it holds. */
const UNRECOVERABLE = new Set(['ANCHOR_UNAUTHORIZED', 'ANCHOR_UNKNOWN_GATEWAY', 'ANCHOR_BAD_ALG', 'ANCHOR_BAD_SIGNATURE', 'ANCHOR_REJECTED']);

/** Moments of a checkpoint job a crash test may stop the process at (wired by the composition root). */
export type CheckpointJobStep = 'before-send' | 'sent' | 'confirmed';

export interface CheckpointJobOptions {
  anchor: Anchor;
  queue: JobQueue;
  /** Told at each step; the composition root of a crash test kills the process there. */
  onStep?: (step: CheckpointJobStep, size: number) => void;
}

/**
 * The handler of 'checkpoint' jobs. It may run in the gateway or in a
 * separate worker, and again after a crash or a lost receipt, so it reads the
 * chain before it sends and again after any failed or uncertain send: a
 * checkpoint the chain already holds is done (never anchored twice), and a
 * chain whose latest checkpoint is not the one the job's proof starts from is
 * handed back to the gateway, which owns the log and can build the right proof.
 */
export function checkpointJobHandler(o: CheckpointJobOptions): (job: CheckpointJob) => Promise<void> {
  return async (job) => {
    const outcome = await anchorOnce(o, job);
    await o.queue.add(QUEUES.checkpointed, outcome, { jobId: outcomeJobId(job.checkpoint.size, outcome.outcome) });
  };
}

async function anchorOnce(o: CheckpointJobOptions, job: CheckpointJob): Promise<CheckpointOutcome> {
  const before = await chainState(o.anchor, job);
  if (before !== 'ready') return before;
  o.onStep?.('before-send', job.checkpoint.size);
  try {
    const sending = o.anchor.anchorCheckpoint(
      job.checkpoint,
      job.proof.map((p, i) => fromHex(p, 32, `proof[${i}]`)),
      fromHex(job.signature, 64, 'signature'),
    );
    o.onStep?.('sent', job.checkpoint.size);
    const ref = await sending;
    o.onStep?.('confirmed', job.checkpoint.size);
    return anchored(job, ref);
  } catch (e) {
    // Whatever failed, the transaction may have landed (a timeout, a racing
    // retry, a worker that died after sending): the chain decides.
    const after = await chainState(o.anchor, job).catch(() => null);
    if (after !== null && after !== 'ready') return after;
    if (isEvidenceError(e) && e.code === 'ANCHOR_CHECKPOINT_EXPIRED') return { outcome: 'expired', size: job.checkpoint.size, at: Date.now() };
    if (isEvidenceError(e) && (UNRECOVERABLE.has(e.code) || (e.code === 'ANCHOR_INCONSISTENT' && after === 'ready'))) {
      throw new UnrecoverableJobError(`${e.code}: ${e.message}`, { cause: e });
    }
    throw e; // unavailable chain, conflicts, network: retried with backoff
  }
}

/** What the chain holds relative to the job: done already, moved elsewhere, or ready for this checkpoint. */
async function chainState(anchor: Anchor, job: CheckpointJob): Promise<CheckpointOutcome | 'ready'> {
  const size = job.checkpoint.size;
  const latest = await anchor.latestCheckpoint(job.gateway);
  const chainSize = latest?.size ?? 0;
  if (chainSize === job.from) return 'ready';
  if (chainSize >= size) {
    const held = chainSize === size ? latest : await anchor.checkpointAt(job.gateway, size);
    if (held?.root === job.checkpoint.root) return anchored(job, await anchor.checkpointReceipt(job.gateway, size).catch(() => null));
  }
  return { outcome: 'chain-moved', size, at: Date.now() };
}

function anchored(job: CheckpointJob, anchor: AnchorRef | null): CheckpointOutcome {
  return { outcome: 'anchored', size: job.checkpoint.size, anchor, at: Date.now() };
}
