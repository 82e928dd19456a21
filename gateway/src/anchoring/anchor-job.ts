import { fromHex, isEvidenceError, type Anchor, type AnchorRef } from '@evidence/core';
import { anchoredJobId, QUEUES, type AnchorJob, type AnchoredJob } from '../jobs.js';
import { RetryLaterError, UnrecoverableJobError, type JobQueue } from '../ports/queue.js';

/** Refusals that no retry can fix: the chain says this gateway may not, or must not, anchor this. */
const UNRECOVERABLE = new Set(['ANCHOR_UNAUTHORIZED', 'ANCHOR_UNKNOWN_GATEWAY', 'ANCHOR_FORK', 'ANCHOR_BAD_ALG', 'ANCHOR_BAD_SIGNATURE', 'ANCHOR_REJECTED']);

/** How long a batch waits for its predecessor to be anchored before looking again. */
const PREDECESSOR_WAIT_MS = 300;

export interface AnchorJobOptions {
  anchor: Anchor;
  queue: JobQueue;
  /** Test-only fault injection: SIGKILL this process right after the chain accepted a batch. */
  killAfterAnchor?: boolean;
}

/**
 * The handler of 'anchor' jobs. It may run in the gateway or in a separate
 * worker, possibly twice for one batch after a crash, so it first asks the
 * chain: a batch already there with the same headerHash is done (never
 * anchored twice); a batch whose predecessor is not there yet waits, so
 * batches reach the chain strictly in seq order whatever order retries run in.
 */
export function anchorJobHandler(o: AnchorJobOptions): (job: AnchorJob) => Promise<void> {
  return async (job) => {
    const anchor = await anchorInOrder(o.anchor, job);
    if (o.killAfterAnchor) process.kill(process.pid, 'SIGKILL');
    const done: AnchoredJob = { seq: job.seq, anchor, at: Date.now() };
    await o.queue.add(QUEUES.anchored, done, { jobId: anchoredJobId(job.seq) });
  };
}

async function anchorInOrder(anchor: Anchor, job: AnchorJob): Promise<AnchorRef | null> {
  const state = await chainState(anchor, job);
  if (state === 'anchored') return null;
  if (state === 'waiting') throw new RetryLaterError(`batch ${job.seq - 1} is not anchored yet`, PREDECESSOR_WAIT_MS);
  try {
    return await anchor.anchor(job.header, fromHex(job.signature, 64, 'signature'));
  } catch (e) {
    if (isEvidenceError(e) && e.code === 'ANCHOR_OUT_OF_ORDER') {
      // Another worker, or our own earlier attempt whose receipt was lost, got there first.
      const again = await chainState(anchor, job);
      if (again === 'anchored') return null;
      if (again === 'waiting') throw new RetryLaterError(`batch ${job.seq - 1} is not anchored yet`, PREDECESSOR_WAIT_MS);
    }
    if (isEvidenceError(e) && UNRECOVERABLE.has(e.code)) {
      throw new UnrecoverableJobError(`${e.code}: ${e.message}`, { cause: e });
    }
    throw e; // unavailable chain, network: retried with backoff
  }
}

async function chainState(anchor: Anchor, job: AnchorJob): Promise<'anchored' | 'next' | 'waiting'> {
  const latest = await anchor.latest(job.gateway);
  const last = latest?.seq ?? -1;
  if (job.seq <= last) {
    const onChain = await anchor.batch(job.gateway, job.seq);
    if (onChain?.headerHash === job.headerHash) return 'anchored';
    throw new UnrecoverableJobError(
      `ANCHOR_FORK: the chain holds a different batch ${job.seq} for this gateway (${onChain?.headerHash ?? 'none'}, ours ${job.headerHash})`,
    );
  }
  return job.seq === last + 1 ? 'next' : 'waiting';
}
