import type { BatchHeader } from '../batch/header.js';
import type { Leaf } from '../leaf.js';
import type { Checkpoint, CheckpointSignature } from '../log/checkpoint.js';
import type { Cosignature } from '../log/cosignature.js';

export const BUNDLE_FORMAT = 'evidence-proof/1';
export const BUNDLE_FORMAT_V2 = 'evidence-proof/2';

export interface EvmAnchorRef {
  chain: 'evm';
  chainId: number;
  /** 0x-prefixed EVM address. */
  contract: string;
  /** 0x-prefixed transaction hash. */
  txHash: string;
  blockNumber: number;
}

export interface FabricAnchorRef {
  chain: 'fabric';
  channel: string;
  chaincode: string;
  txId: string;
}

export type AnchorRef = EvmAnchorRef | FabricAnchorRef;

/** The proof bundle of spec section 8. */
export interface ProofBundle {
  format: typeof BUNDLE_FORMAT;
  leaf: Leaf;
  disclosure: { payload: unknown; salt: string } | null;
  inclusion: { index: number; size: number; path: string[] };
  batch: BatchHeader;
  signature: { alg: 'sm2'; publicKey: string; value: string };
  anchor?: AnchorRef | null;
}

/** Where a batch sits in its gateway's log, and the signed checkpoint that holds it (spec section 12). */
export interface BundleLog {
  checkpoint: Checkpoint;
  signature: CheckpointSignature;
  /** RFC 9162 inclusion proof of logLeafHash(batch) at index batch.seq in the log of checkpoint.size. */
  inclusion: { index: number; size: number; path: string[] };
  /** Possibly empty; never absent. */
  cosignatures: Cosignature[];
}

/** The proof bundle of spec section 12: version 1's members plus the batch log; the anchor names the checkpoint's transaction. */
export interface ProofBundleV2 extends Omit<ProofBundle, 'format'> {
  format: typeof BUNDLE_FORMAT_V2;
  log: BundleLog;
  anchor: AnchorRef | null;
}

export type AnyProofBundle = ProofBundle | ProofBundleV2;

/** The offline steps of spec section 8 in their order, plus the two parse outcomes. */
export type VerificationStep = 'disclosure' | 'leaf' | 'inclusion' | 'signature';
export type FailedStep = VerificationStep | 'format' | 'malformed';

export interface StepOutcome {
  step: VerificationStep;
  /** 'skipped' only for disclosure when the bundle discloses nothing, and for steps after a failure. */
  status: 'passed' | 'failed' | 'skipped';
  message: string;
}

export type BundleVerification =
  | { valid: true; steps: StepOutcome[]; leafHash: string; headerHash: string }
  | { valid: false; failedStep: FailedStep; message: string; steps: StepOutcome[] };
