import {
  encodeHeader,
  EvidenceError,
  jcsString,
  toHex,
  type Anchor,
  type AnchoredBatch,
  type BatchHeader,
  type BundleVerification,
  type FabricAnchorRef,
  type ProofBundle,
} from '@evidence/core';
import type { BatchRecord, HeadRecord } from '../ledger/batches.js';
import { evaluateJson, submitJson } from './call.js';
import { DOMAINS } from './errors.js';
import type { ChaincodeLocation, ChaincodePort } from './port.js';

export interface FabricAnchorOptions extends ChaincodeLocation {
  /** The chaincode, as the identity this adapter acts for (the gateway's, for anchoring). */
  port: ChaincodePort;
  /** Releases the connection behind `port`, if the adapter owns it. */
  close?: () => void | Promise<void>;
}

/** The chaincode's own check of a bundle (anchor:VerifyBundle): the offline steps, then the ledger. */
export type OnlineBundleVerification = BundleVerification & {
  anchored: boolean;
  reason?: 'offline-invalid' | 'not-anchored' | 'root-mismatch' | 'key-mismatch';
  txId?: string;
  anchoredAt?: number;
  gatewayActive?: boolean;
};

export interface FabricAnchor extends Anchor {
  readonly chain: 'fabric';
  readonly channel: string;
  readonly chaincode: string;
  /** Anchors a signed header; resolves with the Fabric receipt once the transaction is committed valid. */
  anchor(header: BatchHeader, signature: Uint8Array): Promise<FabricAnchorRef>;
  /** The chaincode port, for the registry, consent, claim and credential actions. */
  readonly port: ChaincodePort;
  /**
   * Verifies a proof bundle on a peer (anchor:VerifyBundle). The disclosure is
   * removed first: the disclosure step is the verifier's own, and disclosed
   * payloads must never reach the peers.
   */
  verifyBundle(bundle: ProofBundle): Promise<OnlineBundleVerification>;
  /**
   * The receipt of a batch already anchored, from the transaction id the
   * chaincode stored with it: how a gateway that crashed between submitting and
   * recording a receipt gets it back. Null when (gateway, seq) is not anchored.
   */
  receiptOf(gateway: string, seq: number): Promise<FabricAnchorRef | null>;
  close(): Promise<void>;
}

const domain = DOMAINS.anchor;

/**
 * The Anchor port on Hyperledger Fabric. Receipts are the `anchor` object of
 * spec section 8 for Fabric, {chain, channel, chaincode, txId}; `anchor`
 * resolves only once the transaction is committed valid.
 */
export function createFabricAnchor(options: FabricAnchorOptions): FabricAnchor {
  const { port, channel, chaincode } = options;
  if (typeof channel !== 'string' || channel === '' || typeof chaincode !== 'string' || chaincode === '') {
    throw new EvidenceError('ANCHOR_UNAVAILABLE', 'a Fabric anchor needs a channel and a chaincode name');
  }

  return {
    chain: 'fabric',
    channel,
    chaincode,
    port,

    async anchor(header: BatchHeader, signature: Uint8Array): Promise<FabricAnchorRef> {
      encodeHeader(header); // a malformed header fails here with the core's code, before any proposal
      if (!(signature instanceof Uint8Array) || signature.length !== 64) {
        throw new EvidenceError('EVIDENCE_BAD_LENGTH', 'an SM2 header signature is 64 bytes r || s');
      }
      const receipt = await submitJson<{ txId: unknown }>(port, domain, 'anchor:Anchor', jcsString(header), toHex(signature));
      if (typeof receipt?.txId !== 'string') throw new EvidenceError(domain.unavailable, 'anchor:Anchor returned no transaction id');
      return { chain: 'fabric', channel, chaincode, txId: receipt.txId };
    },

    async latest(gateway: string): Promise<{ seq: number; headerHash: string } | null> {
      const head = await evaluateJson<HeadRecord | null>(port, domain, 'anchor:LatestBatch', gateway);
      return head ? { seq: head.seq, headerHash: head.headerHash } : null;
    },

    async batch(gateway: string, seq: number): Promise<AnchoredBatch | null> {
      const b = await evaluateJson<BatchRecord | null>(port, domain, 'anchor:GetBatch', gateway, seqArg(seq));
      return b ? { gateway: b.gateway, seq: b.seq, alg: b.alg, size: b.size, root: b.root, headerHash: b.headerHash } : null;
    },

    // Placeholder until checkpoint anchoring lands in this adapter (spec section 11).
    anchorCheckpoint: () => Promise.reject(new EvidenceError('ANCHOR_UNAVAILABLE', 'checkpoint anchoring is not implemented by this adapter yet')),
    latestCheckpoint: () => Promise.resolve(null),
    checkpointAt: () => Promise.resolve(null),
    checkpoints: () => Promise.resolve([]),
    checkpointReceipt: () => Promise.resolve(null),
    async keyAt(gateway: string, seq: number): Promise<string | null> {
      return evaluateJson<string | null>(port, domain, 'anchor:KeyAt', gateway, seqArg(seq));
    },

    async verifyBundle(bundle: ProofBundle): Promise<OnlineBundleVerification> {
      const withoutPayload = { ...bundle, disclosure: null };
      return evaluateJson<OnlineBundleVerification>(port, domain, 'anchor:VerifyBundle', JSON.stringify(withoutPayload));
    },

    async receiptOf(gateway: string, seq: number): Promise<FabricAnchorRef | null> {
      const b = await evaluateJson<BatchRecord | null>(port, domain, 'anchor:GetBatch', gateway, seqArg(seq));
      return b ? { chain: 'fabric', channel, chaincode, txId: b.txId } : null;
    },

    async close(): Promise<void> {
      await options.close?.();
    },
  };
}

function seqArg(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new EvidenceError('EVIDENCE_BAD_INTEGER', `seq must be an integer in 0..${Number.MAX_SAFE_INTEGER}`);
  return String(seq);
}
