import type { BatchHeader } from '../batch/header.js';
import type { AnchorRef } from '../bundle/types.js';
import type { HashAlg } from '../hash/alg.js';

/** A batch as an anchor (contract or chaincode) holds it. */
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

/**
 * The Anchor port: where signed batch headers become tamper-evident. The EVM
 * adapter (contracts/) and the Fabric adapter (chaincode/) implement it and both
 * run the one conformance suite in test/conformance/anchor.ts.
 *
 * Implementations enforce spec section 6: only the gateway's registered
 * account, only seq = last + 1 and prev = last headerHash. Refusals are
 * EvidenceErrors with ANCHOR_* codes.
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
}
