import type { Anchor } from '../ports/anchor.js';
import { auditEngine, type AuditOutcome, type EngineOptions } from './engine.js';
import { epochsFromKeyAt } from './keys.js';
import { createVerifier, defaultAuditThreads, type SignatureVerifier } from './pool.js';
import { drive, type AnswerOf, type Question, type QuestionOf } from './questions.js';
import type { AuditProgress, KeyEpoch, LogInclusion, ServedBatch, ServedCheckpointPage } from './types.js';

/** The chain's side: the Anchor port's reads, plus the registry's key history when the adapter can give it in one read. */
export interface AuditChain extends Pick<Anchor, 'latest' | 'batch' | 'keyAt' | 'latestCheckpoint' | 'checkpointAt' | 'checkpoints'> {
  keyHistory?(gateway: string): Promise<KeyEpoch[]>;
}

/** The gateway's side as reads: its last closed seq, one batch by seq (null when it has none), and its monitor API. */
export interface GatewaySource {
  closed(): Promise<number>;
  batch(seq: number): Promise<ServedBatch | null>;
  /** Absent for a gateway without a batch log. */
  log?: ServedLog;
}

/** A gateway's monitor API (GET /v1/log/*). Null answers: it cannot give one (no log, a size it does not have). */
export interface ServedLog {
  checkpoints(after: number, limit: number): Promise<ServedCheckpointPage | null>;
  inclusion(seq: number, size: number): Promise<LogInclusion | null>;
  consistency(first: number, second: number): Promise<string[] | null>;
}

export interface RunAuditOptions extends EngineOptions {
  /** Signature threads; 0 checks on the calling thread. Default: one per core. Ignored when `verifier` is given. */
  threads?: number;
  /** A verifier the caller owns and closes (a long-lived process reusing its threads). */
  verifier?: SignatureVerifier;
  /** Gateway reads in flight. Default 16. */
  concurrency?: number;
  onProgress?: AuditProgress;
}

/**
 * The audit (engine.ts) over the Anchor port and a gateway source: what
 * `evidence audit` and GET /v1/audit run. Rejects only when a side cannot be
 * read (the caller reports it as unreachable); everything else is a finding.
 */
export async function runAudit(chain: AuditChain, gateway: string, source: GatewaySource | null, options: RunAuditOptions = {}): Promise<AuditOutcome> {
  const verifier = options.verifier ?? createVerifier(options.threads ?? defaultAuditThreads());
  try {
    return await drive(auditEngine(gateway, options), portAnswers(chain, gateway, source, verifier, options));
  } finally {
    if (!options.verifier) await verifier.close();
  }
}

function portAnswers(chain: AuditChain, gw: string, source: GatewaySource | null, verifier: SignatureVerifier, options: RunAuditOptions): (q: Question) => unknown {
  const tickets = new Map<number, Promise<boolean[]>>();
  let nextTicket = 0;
  const log = source?.log;
  const answers: { [K in Question['kind']]: (q: QuestionOf<K>) => AnswerOf<K> | Promise<AnswerOf<K>> } = {
    heads: async () => {
      const [closed, v1, checkpoint] = await Promise.all([source ? source.closed() : null, chain.latest(gw), chain.latestCheckpoint(gw)]);
      return { closed, v1, checkpoint };
    },
    keys: (q) => (chain.keyHistory ? chain.keyHistory(gw) : epochsFromKeyAt((seq) => chain.keyAt(gw, seq), q.to)),
    checkpoints: (q) => chain.checkpoints(gw, q.from, q.limit),
    'checkpoint-at': (q) => chain.checkpointAt(gw, q.size),
    'chain-batch': (q) => chain.batch(gw, q.seq),
    served: (q) => readBatches(source, q.from, q.to, options.concurrency ?? 16),
    'served-checkpoints': (q) => (log ? log.checkpoints(q.after, q.limit) : null),
    inclusion: (q) => (log ? log.inclusion(q.seq, q.size) : null),
    consistency: (q) => (log ? log.consistency(q.first, q.second) : null),
    verify: (q) => {
      const running = verifier.verify(q.jobs);
      running.catch(() => undefined); // awaited by 'verified'; this only keeps an early failure from being unhandled
      tickets.set(nextTicket, running);
      return nextTicket++;
    },
    verified: (q) => {
      const running = tickets.get(q.ticket)!;
      tickets.delete(q.ticket);
      return running;
    },
    progress: (q) => options.onProgress?.(q.done, q.total),
  };
  return (q) => (answers[q.kind] as (q: Question) => unknown)(q);
}

/** Batches [from, to) with at most `limit` reads in flight. */
async function readBatches(source: GatewaySource | null, from: number, to: number, limit: number): Promise<(ServedBatch | null)[]> {
  const out = new Array<ServedBatch | null>(to - from).fill(null);
  if (!source) return out;
  let next = from;
  const worker = async () => {
    while (next < to) {
      const seq = next++;
      out[seq - from] = await source.batch(seq);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, to - from)) }, worker));
  return out;
}
