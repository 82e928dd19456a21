import type { BatchHeader } from '../batch/header.js';
import type { Checkpoint } from '../log/checkpoint.js';

/**
 * Shapes shared by the audit's engine, its drivers and its callers. Nothing
 * here is trusted: a served batch, checkpoint or proof is whatever the
 * gateway answered; a chain record is whatever the RPC endpoint the auditor
 * chose answered.
 */

/** One batch as the gateway serves it (GET /v1/batches/:seq). */
export interface ServedBatch {
  header: BatchHeader;
  /** SM2 signature over the header bytes, hex. */
  signature: string;
  /** The key the gateway says signed it, hex (a hint: the registered key decides). */
  publicKey: string;
}

/** A checkpoint the gateway says it anchored (GET /v1/log/checkpoints). */
export interface ServedCheckpoint {
  checkpoint: Checkpoint;
  /** SM2 signature over checkpointBytes, hex. */
  signature: string;
  publicKey: string;
}

/** One page of the gateway's anchored checkpoints, by increasing size. */
export interface ServedCheckpointPage {
  checkpoints: ServedCheckpoint[];
  more: boolean;
}

/** The gateway's inclusion proof of a batch in its log at a size (GET /v1/log/inclusion). */
export interface LogInclusion {
  /** The log's own leaf hash of that entry, hex. */
  leafHash: string;
  /** Bottom first, hex. */
  path: string[];
}

/** A key the gateway's registry entry held from a batch seq on (EVM keyHistory, or found through keyAt). */
export interface KeyEpoch {
  fromSeq: number;
  publicKey: string;
}

export type FindingType =
  /** A seq missing from a history that should be contiguous (on chain or at the gateway). */
  | 'gap'
  /** Two different headers for one seq, or a prev that does not link to the header before. */
  | 'fork'
  /** A header or checkpoint signature that does not verify against the key registered for its seq. */
  | 'bad-signature'
  /** A header or checkpoint signed with a key of the gateway that was rotated out before this seq. */
  | 'rotated-key'
  /** A batch the gateway closed and holds but that is not on chain. */
  | 'unanchored'
  /** A batch on chain that the gateway does not serve. */
  | 'not-served'
  /** A served header that is not the batch it claims to be (wrong seq, gateway, algorithm, or malformed). */
  | 'mismatch'
  /** Two anchored checkpoints that are not shown consistent: the anchored log did not only grow. */
  | 'log-fork'
  /** A served header that is not the entry the anchored log holds for its seq. */
  | 'log-mismatch'
  /** A checkpoint the gateway says is anchored that the chain does not hold. */
  | 'checkpoint-not-on-chain'
  /** The state file of an earlier audit does not match the chain (another chain, a reset, a rewritten registry). */
  | 'state-mismatch';

export const FINDING_TYPES: readonly FindingType[] = [
  'gap',
  'fork',
  'bad-signature',
  'rotated-key',
  'unanchored',
  'not-served',
  'mismatch',
  'log-fork',
  'log-mismatch',
  'checkpoint-not-on-chain',
  'state-mismatch',
];

export interface AuditFinding {
  type: FindingType;
  /** Where: chain, the gateway, or both compared. */
  source: 'chain' | 'gateway' | 'both';
  seq: number;
  /** The last seq of a run of consecutive batches with the same finding (gaps, batches not anchored); absent for one batch. */
  through?: number;
  /** error: the history is wrong; warning: expected soon to resolve (a batch closed moments ago, not anchored yet). */
  severity: 'error' | 'warning';
  message: string;
}

export interface AuditReport {
  gateway: string;
  /** Batches anchored on chain, one by one (version 1) or by an anchored checkpoint (version 2). */
  anchored: number;
  /** Batches the gateway says it closed (closed + 1). */
  closed: number;
  /** True when no finding is an error. */
  ok: boolean;
  findings: AuditFinding[];
  /** Count of findings per type (a run of batches counts once). */
  counts: Record<FindingType, number>;
  /** Batches anchored one by one (version 1 data): the chain's latest seq + 1. */
  anchoredOneByOne: number;
  /** Anchored checkpoints of the batch log on chain, and the size of the latest. */
  log: { checkpoints: number; size: number };
  /** The seqs this run examined, [from, to). */
  audited: { from: number; to: number };
  /** The size a state file let this run start from, or null for a full audit. */
  resumedFrom: number | null;
  /** True when some findings were left out of `findings` (counts still hold them all). */
  truncated: boolean;
}

export interface AuditOptions {
  /** Now, ms (closing time of unanchored batches is compared with it). */
  now?: number;
  /** A batch closed less than this long ago and not yet anchored is a warning, not an error. Default 10 min. */
  graceMs?: number;
  /** At most this many findings of one type are listed; the counts hold them all. Default 1000. */
  maxFindingsPerType?: number;
  /** Batches read and verified together. Default 1024. */
  chunk?: number;
}

/** Progress of a long audit: `done` of `total` batches. */
export type AuditProgress = (done: number, total: number) => void;
