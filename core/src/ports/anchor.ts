import type { BatchHeader } from '../batch/header.js';
import type { AnchorRef } from '../bundle/types.js';
import type { HashAlg } from '../hash/alg.js';
import type { Checkpoint } from '../log/checkpoint.js';

/** A batch as an anchor (contract or chaincode) holds it (version 1, per-batch anchoring). */
export interface AnchoredBatch {
  gateway: string;
  seq: number;
  alg: HashAlg;
  size: number;
  /** hex, no 0x */
  root: string;
  /** hex, no 0x */
  headerHash: string;
}

/** A checkpoint of a gateway's batch log as an anchor holds it (spec section 11). */
export interface AnchoredCheckpoint {
  gateway: string;
  /** Its position among this gateway's anchored checkpoints, 0 for the first. */
  index: number;
  /** Log size: batches 0 .. size - 1 are anchored by it. */
  size: number;
  /** hex, no 0x */
  root: string;
  /** The checkpoint's ts as the gateway signed it (ms). */
  ts: number;
  /** The chain's own time of the block or transaction that anchored it (ms). */
  anchoredAt: number;
}

/**
 * The Anchor port: where signed batch headers and checkpoints become
 * tamper-evident. The EVM adapter (contracts/) and the Fabric adapter
 * (chaincode/) implement it and both run the one conformance suite in
 * test/conformance/anchor.ts.
 *
 * Per batch (version 1, kept for data anchored that way): only the gateway's
 * registered account, only seq = last + 1 and prev = last headerHash.
 * Per checkpoint (version 2): only the gateway's registered account, only a
 * size above the last anchored size, only with an RFC 9162 consistency proof
 * from the last anchored checkpoint that the anchor verifies itself.
 * Refusals are EvidenceErrors with ANCHOR_* codes; a chain that cannot be
 * reached, or that could not decide (a conflict between two submissions, a
 * chaincode that is down), is ANCHOR_UNAVAILABLE, never a refusal.
 */
export interface Anchor {
  /** Which chain this is, for receipts and logs. */
  readonly chain: 'evm' | 'fabric';
  /** Anchors a signed header; resolves once the chain has durably accepted it. */
  anchor(header: BatchHeader, signature: Uint8Array): Promise<AnchorRef>;
  /** The gateway's latest anchored seq and headerHash, or null before its first batch. */
  latest(gateway: string): Promise<{ seq: number; headerHash: string } | null>;
  /** The anchored batch (gateway, seq), or null. */
  batch(gateway: string, seq: number): Promise<AnchoredBatch | null>;
  /** The SM2 public key registered for the gateway for that seq (keys rotate), or null. */
  keyAt(gateway: string, seq: number): Promise<string | null>;

  /**
   * Anchors a checkpoint with the consistency proof from the last anchored
   * checkpoint (empty for the first); resolves once the chain has durably
   * accepted it. Refusals: ANCHOR_UNAUTHORIZED, ANCHOR_UNKNOWN_GATEWAY,
   * ANCHOR_BAD_ALG, ANCHOR_STALE_CHECKPOINT (size not above the last anchored
   * size), ANCHOR_INCONSISTENT (the proof does not show the log only grew),
   * ANCHOR_CHECKPOINT_EXPIRED (an anchor that checks the checkpoint's ts
   * against its own clock found it too old: sign a fresh one).
   * `signature` is the gateway's SM2 signature over checkpointBytes: an EVM
   * contract does not read it (no SM2 on chain; verifiers check it), the
   * Fabric chaincode verifies it and refuses a checkpoint without one.
   */
  anchorCheckpoint(checkpoint: Checkpoint, proof: readonly Uint8Array[], signature?: Uint8Array): Promise<AnchorRef>;
  /** The gateway's last anchored checkpoint, or null before its first. */
  latestCheckpoint(gateway: string): Promise<AnchoredCheckpoint | null>;
  /** The anchored checkpoint of the gateway at exactly this log size, or null. */
  checkpointAt(gateway: string, size: number): Promise<AnchoredCheckpoint | null>;
  /** Anchored checkpoints in anchoring order, from position `from`, at most `limit` (read from state, no log scans). */
  checkpoints(gateway: string, from: number, limit: number): Promise<AnchoredCheckpoint[]>;
  /** The transaction that anchored the gateway's checkpoint of this size, found without scanning history; null when none. */
  checkpointReceipt(gateway: string, size: number): Promise<AnchorRef | null>;
  /**
   * The SM2 key registered for witness `witness` at time `atMs` (keys rotate),
   * or null when the id is not an active witness. Absent where the anchor keeps
   * no witness registry; verifiers then trust witnesses through their policy.
   */
  witnessKeyAt?(witness: string, atMs: number): Promise<string | null>;
}
