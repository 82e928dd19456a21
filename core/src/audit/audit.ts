import type { AnchoredBatch, AnchoredCheckpoint } from '../ports/anchor.js';
import { auditEngine, type AuditOutcome, type EngineOptions } from './engine.js';
import { epochsFromKeys } from './keys.js';
import { driveSync, type AnswerOf, type Question, type QuestionOf } from './questions.js';
import type { AuditOptions, AuditReport, KeyEpoch, LogInclusion, ServedBatch, ServedCheckpoint } from './types.js';
import { PreparedKeys, verifyJobs } from './verify-jobs.js';

/**
 * The audit over views held in memory: the chain's and the gateway's sides
 * as data gathered beforehand (collectViews) or planted by a test. Runs the
 * same engine as runAudit, synchronously, with signatures checked on the
 * calling thread. Neither view is trusted.
 */

/** What the chain says about the gateway. */
export interface ChainView {
  gateway: string;
  /** The latest seq anchored one by one and its headerHash, or null. */
  latest: { seq: number; headerHash: string } | null;
  /** Batches anchored one by one, by seq; null where the chain returned nothing. Read only to narrow a fork down. */
  batches: readonly (AnchoredBatch | null)[];
  /** keys[seq]: the SM2 key registered for that seq; used when keyEpochs is absent. */
  keys?: readonly (string | null)[];
  /** The registry's key history. */
  keyEpochs?: readonly KeyEpoch[];
  /** Anchored checkpoints of the batch log, in anchoring order. */
  checkpoints?: readonly AnchoredCheckpoint[];
}

/** What the gateway says about itself. */
export interface GatewayView {
  /** Its last closed seq, -1 before the first batch. */
  closed: number;
  /** batches[seq] for seq 0..closed; null where the gateway could not produce one. */
  batches: readonly (ServedBatch | null)[];
  /** Its monitor API (GET /v1/log/*); absent for a gateway without a batch log. */
  log?: MemoryLog;
}

/** A gateway's monitor API answered from memory. */
export interface MemoryLog {
  /** The checkpoints it lists as anchored, by increasing size. */
  checkpoints: readonly ServedCheckpoint[];
  inclusion(seq: number, size: number): LogInclusion | null;
  consistency(first: number, second: number): string[] | null;
}

/** The audit of in-memory views; without a gateway view, of the chain alone. */
export function auditGateway(chain: ChainView, served: GatewayView | null, options: AuditOptions = {}): AuditReport {
  return auditViews(chain, served, options).report;
}

/** auditGateway with a state to resume from, and the state to save. */
export function auditViews(chain: ChainView, served: GatewayView | null, options: EngineOptions = {}): AuditOutcome {
  return driveSync(auditEngine(chain.gateway, options), viewAnswers(chain, served));
}

function viewAnswers(chain: ChainView, served: GatewayView | null): (q: Question) => unknown {
  const keys = new PreparedKeys(4);
  const tickets: boolean[][] = [];
  const checkpoints = chain.checkpoints ?? [];
  const answers: { [K in Question['kind']]: (q: QuestionOf<K>) => AnswerOf<K> } = {
    heads: () => ({ closed: served ? served.closed : null, v1: chain.latest, checkpoint: checkpoints.at(-1) ?? null }),
    keys: () => [...(chain.keyEpochs ?? epochsFromKeys(chain.keys ?? []))],
    checkpoints: (q) => checkpoints.slice(q.from, q.from + q.limit),
    'checkpoint-at': (q) => checkpoints.find((c) => c.size === q.size) ?? null,
    'chain-batch': (q) => chain.batches[q.seq] ?? null,
    served: (q) => Array.from({ length: q.to - q.from }, (_, i) => (served && q.from + i <= served.closed ? (served.batches[q.from + i] ?? null) : null)),
    'served-checkpoints': (q) => servedCheckpoints(served, q.after, q.limit),
    inclusion: (q) => served?.log?.inclusion(q.seq, q.size) ?? null,
    consistency: (q) => served?.log?.consistency(q.first, q.second) ?? null,
    verify: (q) => tickets.push(verifyJobs(q.jobs, keys)) - 1,
    verified: (q) => tickets[q.ticket]!,
    progress: () => undefined,
  };
  return (q) => (answers[q.kind] as (q: Question) => unknown)(q);
}

function servedCheckpoints(served: GatewayView | null, after: number, limit: number) {
  if (!served?.log) return null;
  const above = served.log.checkpoints.filter((c) => c.checkpoint.size > after);
  return { checkpoints: above.slice(0, limit), more: above.length > limit };
}
