import type { AnchoredBatch, AnchoredCheckpoint } from '../ports/anchor.js';
import type { KeyEpoch, LogInclusion, ServedBatch, ServedCheckpointPage } from './types.js';

/**
 * The audit engine is a generator that asks for what it needs and is handed
 * the answers: it does no I/O itself, so the same engine runs over the Anchor
 * port and a gateway's HTTP API (runAudit), over a gateway's own store
 * (GET /v1/audit), and synchronously over in-memory views with planted
 * faults (auditGateway). Each question names its answer's type here.
 */

/** What the chain and the gateway say about their heads, before anything else is read. */
export interface Heads {
  /** The gateway's last closed seq (-1 before its first batch); null when no gateway is audited (chain only). */
  closed: number | null;
  /** The chain's latest batch anchored one by one (version 1), or null. */
  v1: { seq: number; headerHash: string } | null;
  /** The chain's latest anchored checkpoint, or null. */
  checkpoint: AnchoredCheckpoint | null;
}

/** One SM2 check: the message, the signature and the key to check it with (hex), never a key taken from the message. */
export interface VerifyJob {
  message: Uint8Array;
  signature: Uint8Array;
  key: string;
}

interface Asked {
  heads: [Record<never, never>, Heads];
  /** Every key epoch for seqs below `to`. */
  keys: [{ to: number }, KeyEpoch[]];
  /** Anchored checkpoints by position from `from`, at most `limit`. */
  checkpoints: [{ from: number; limit: number }, AnchoredCheckpoint[]];
  'checkpoint-at': [{ size: number }, AnchoredCheckpoint | null];
  /** A batch anchored one by one (version 1), by seq. */
  'chain-batch': [{ seq: number }, AnchoredBatch | null];
  /** The gateway's batches [from, to); null where it has none. */
  served: [{ from: number; to: number }, (ServedBatch | null)[]];
  /** The gateway's anchored checkpoints above size `after`; null when it has no batch log. */
  'served-checkpoints': [{ after: number; limit: number }, ServedCheckpointPage | null];
  /** The gateway's inclusion proof of entry `seq` at `size`; null when it cannot give one. */
  inclusion: [{ seq: number; size: number }, LogInclusion | null];
  /** The gateway's consistency proof (hex) between two sizes; null when it cannot give one. */
  consistency: [{ first: number; second: number }, string[] | null];
  /** Starts checking signatures and answers at once with a ticket, so the engine reads ahead while they run. */
  verify: [{ jobs: VerifyJob[] }, number];
  /** The verdicts of a ticket, in the order of its jobs. */
  verified: [{ ticket: number }, boolean[]];
  progress: [{ done: number; total: number }, void];
}

export type QuestionKind = keyof Asked;
export type QuestionOf<K extends QuestionKind> = { kind: K } & Asked[K][0];
export type AnswerOf<K extends QuestionKind> = Asked[K][1];
export type Question = { [K in QuestionKind]: QuestionOf<K> }[QuestionKind];

/** The engine and its parts: generators of questions returning T. */
export type Engine<T> = Generator<Question, T, unknown>;

/** Asks one question; `yield* ask(...)` evaluates to its answer. */
export function* ask<K extends QuestionKind>(question: QuestionOf<K>): Engine<AnswerOf<K>> {
  return (yield question as Question) as AnswerOf<K>;
}

/** Runs an engine, answering each question with `answer` (which may be async). */
export async function drive<T>(engine: Engine<T>, answer: (q: Question) => unknown): Promise<T> {
  let step = engine.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = await answer(step.value);
    } catch (e) {
      // The engine does not catch: a failed read ends the audit (unreachable), and the generator is closed.
      engine.return(undefined as T);
      throw e;
    }
    step = engine.next(value);
  }
  return step.value;
}

/** Runs an engine whose answers are all at hand (in-memory views). */
export function driveSync<T>(engine: Engine<T>, answer: (q: Question) => unknown): T {
  let step = engine.next();
  while (!step.done) step = engine.next(answer(step.value));
  return step.value;
}
