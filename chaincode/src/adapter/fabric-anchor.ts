import {
  encodeCheckpoint,
  encodeHeader,
  EvidenceError,
  jcsString,
  toHex,
  type Anchor,
  type AnchoredBatch,
  type AnchoredCheckpoint,
  type BatchHeader,
  type BundleVerification,
  type Checkpoint,
  type FabricAnchorRef,
  type ProofBundle,
  type ProofBundleV2,
} from '@evidence/core';
import type { BatchRecord, HeadRecord } from '../ledger/batches.js';
import type { BundleV2Verification } from '../ledger/bundle-v2.js';
import type { CheckpointRecord } from '../ledger/checkpoints.js';
import { evaluateJson, submitJson } from './call.js';
import { DOMAINS } from './errors.js';
import type { ChaincodeLocation, ChaincodePort } from './port.js';

/**
 * The gateway's SM2 signature (64 bytes r || s) over checkpointBytes of a
 * checkpoint it is anchoring: sign it with the gateway's key, or return the
 * signature stored with the checkpoint when it was signed.
 */
export type CheckpointSignatureSource = (checkpoint: Checkpoint) => Uint8Array | Promise<Uint8Array>;

export interface FabricAnchorOptions extends ChaincodeLocation {
  /** The chaincode, as the identity this adapter acts for (the gateway's, for anchoring). */
  port: ChaincodePort;
  /**
   * Where anchorCheckpoint gets the gateway's signature of the checkpoint: the
   * chaincode verifies it with the gateway's registered key before anchoring,
   * and the port's anchorCheckpoint does not carry one. Without it,
   * anchorCheckpoint is refused before any call; anchorSignedCheckpoint works
   * either way.
   */
  checkpointSignature?: CheckpointSignatureSource;
  /** Releases the connection behind `port`, if the adapter owns it. */
  close?: () => void | Promise<void>;
}

/** The chaincode's own check of a bundle (anchor:VerifyBundle): the offline steps, then the ledger. */
export type OnlineBundleVerification =
  | (BundleVerification & {
      anchored: boolean;
      reason?: 'offline-invalid' | 'not-anchored' | 'root-mismatch' | 'key-mismatch';
      txId?: string;
      anchoredAt?: number;
      gatewayActive?: boolean;
    })
  | BundleV2Verification;

export interface FabricAnchor extends Anchor {
  readonly chain: 'fabric';
  readonly channel: string;
  readonly chaincode: string;
  /** Anchors a signed header; resolves with the Fabric receipt once the transaction is committed valid. */
  anchor(header: BatchHeader, signature: Uint8Array): Promise<FabricAnchorRef>;
  /** The chaincode port, for the registry, consent, claim and credential actions. */
  readonly port: ChaincodePort;
  /** Anchors a checkpoint with the gateway's signature given here, whatever checkpointSignature is. */
  anchorSignedCheckpoint(checkpoint: Checkpoint, signature: Uint8Array, proof: readonly Uint8Array[]): Promise<FabricAnchorRef>;
  /** With `signature` (the port's way, as the gateway's jobs carry it), or else from the checkpointSignature option. */
  anchorCheckpoint(checkpoint: Checkpoint, proof: readonly Uint8Array[], signature?: Uint8Array): Promise<FabricAnchorRef>;
  checkpointReceipt(gateway: string, size: number): Promise<FabricAnchorRef | null>;
  /**
   * Verifies a proof bundle (version 1 or 2) on a peer (anchor:VerifyBundle).
   * The disclosure is removed first: the disclosure step is the verifier's
   * own, and disclosed payloads must never reach the peers.
   */
  verifyBundle(bundle: ProofBundle | ProofBundleV2): Promise<OnlineBundleVerification>;
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
  const { port, channel, chaincode, checkpointSignature } = options;
  if (typeof channel !== 'string' || channel === '' || typeof chaincode !== 'string' || chaincode === '') {
    throw new EvidenceError('ANCHOR_UNAVAILABLE', 'a Fabric anchor needs a channel and a chaincode name');
  }

  const receipt = (txId: string): FabricAnchorRef => ({ chain: 'fabric', channel, chaincode, txId });

  async function anchorSignedCheckpoint(checkpoint: Checkpoint, signature: Uint8Array, proof: readonly Uint8Array[]): Promise<FabricAnchorRef> {
    encodeCheckpoint(checkpoint); // a malformed checkpoint fails here with the core's code, before any proposal
    if (!(signature instanceof Uint8Array) || signature.length !== 64) {
      throw new EvidenceError('EVIDENCE_BAD_LENGTH', 'an SM2 checkpoint signature is 64 bytes r || s');
    }
    if (!Array.isArray(proof) || !proof.every((p) => p instanceof Uint8Array && p.length === 32)) {
      throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', 'a consistency proof is a list of 32-byte hashes');
    }
    const anchored = await submitJson<{ txId: unknown }>(
      port,
      domain,
      'anchor:AnchorCheckpoint',
      jcsString(checkpoint),
      toHex(signature),
      JSON.stringify(proof.map(toHex)),
    );
    if (typeof anchored?.txId !== 'string') throw new EvidenceError(domain.unavailable, 'anchor:AnchorCheckpoint returned no transaction id');
    return receipt(anchored.txId);
  }

  async function checkpointRecord(gateway: string, size: number): Promise<CheckpointRecord | null> {
    return evaluateJson<CheckpointRecord | null>(port, domain, 'anchor:GetCheckpoint', gateway, uintArg(size, 'size'));
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
      const anchored = await submitJson<{ txId: unknown }>(port, domain, 'anchor:Anchor', jcsString(header), toHex(signature));
      if (typeof anchored?.txId !== 'string') throw new EvidenceError(domain.unavailable, 'anchor:Anchor returned no transaction id');
      return receipt(anchored.txId);
    },

    async latest(gateway: string): Promise<{ seq: number; headerHash: string } | null> {
      const head = await evaluateJson<HeadRecord | null>(port, domain, 'anchor:LatestBatch', gateway);
      return head ? { seq: head.seq, headerHash: head.headerHash } : null;
    },

    async batch(gateway: string, seq: number): Promise<AnchoredBatch | null> {
      const b = await evaluateJson<BatchRecord | null>(port, domain, 'anchor:GetBatch', gateway, seqArg(seq));
      return b ? { gateway: b.gateway, seq: b.seq, alg: b.alg, size: b.size, root: b.root, headerHash: b.headerHash } : null;
    },

    anchorSignedCheckpoint,

    async anchorCheckpoint(checkpoint: Checkpoint, proof: readonly Uint8Array[], signature?: Uint8Array): Promise<FabricAnchorRef> {
      encodeCheckpoint(checkpoint);
      if (signature !== undefined) return anchorSignedCheckpoint(checkpoint, signature, proof);
      if (!checkpointSignature) {
        // A configuration error, not an outage: retrying cannot help.
        throw new EvidenceError('ANCHOR_REJECTED', 'no checkpoint signature given, and this Fabric anchor has no checkpointSignature: the chaincode anchors only checkpoints signed by the gateway');
      }
      return anchorSignedCheckpoint(checkpoint, await checkpointSignature(checkpoint), proof);
    },

    async latestCheckpoint(gateway: string): Promise<AnchoredCheckpoint | null> {
      const head = await evaluateJson<CheckpointRecord | null>(port, domain, 'anchor:LatestCheckpoint', gateway);
      return head ? anchoredCheckpoint(head) : null;
    },

    async checkpointAt(gateway: string, size: number): Promise<AnchoredCheckpoint | null> {
      const record = await checkpointRecord(gateway, size);
      return record ? anchoredCheckpoint(record) : null;
    },

    async checkpoints(gateway: string, from: number, limit: number): Promise<AnchoredCheckpoint[]> {
      uintArg(from, 'from');
      uintArg(limit, 'limit');
      // The chaincode answers at most PAGE per call; longer lists take several.
      const out: AnchoredCheckpoint[] = [];
      while (out.length < limit) {
        const want = Math.min(PAGE, limit - out.length);
        const page = await evaluateJson<CheckpointRecord[]>(port, domain, 'anchor:ListCheckpoints', gateway, String(from + out.length), String(want));
        if (!Array.isArray(page)) throw new EvidenceError(domain.unavailable, 'anchor:ListCheckpoints returned no list');
        out.push(...page.map(anchoredCheckpoint));
        if (page.length < want) break;
      }
      return out;
    },

    async checkpointReceipt(gateway: string, size: number): Promise<FabricAnchorRef | null> {
      const record = await checkpointRecord(gateway, size);
      return record ? receipt(record.txId) : null;
    },

    async keyAt(gateway: string, seq: number): Promise<string | null> {
      return evaluateJson<string | null>(port, domain, 'anchor:KeyAt', gateway, seqArg(seq));
    },

    async verifyBundle(bundle: ProofBundle | ProofBundleV2): Promise<OnlineBundleVerification> {
      const withoutPayload = { ...bundle, disclosure: null };
      return evaluateJson<OnlineBundleVerification>(port, domain, 'anchor:VerifyBundle', JSON.stringify(withoutPayload));
    },

    async receiptOf(gateway: string, seq: number): Promise<FabricAnchorRef | null> {
      const b = await evaluateJson<BatchRecord | null>(port, domain, 'anchor:GetBatch', gateway, seqArg(seq));
      return b ? receipt(b.txId) : null;
    },

    async close(): Promise<void> {
      await options.close?.();
    },
  };
}

/** ListCheckpoints' largest page. */
const PAGE = 100;

function uintArg(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new EvidenceError('EVIDENCE_BAD_INTEGER', `${what} must be an integer in 0..${Number.MAX_SAFE_INTEGER}`);
  return String(n);
}

function seqArg(seq: number): string {
  return uintArg(seq, 'seq');
}

/** Exactly the port's fields of a stored record. */
function anchoredCheckpoint(r: CheckpointRecord): AnchoredCheckpoint {
  return { gateway: r.gateway, index: r.index, size: r.size, root: r.root, ts: r.ts, anchoredAt: r.anchoredAt };
}
