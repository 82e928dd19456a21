import type { BatchHeader } from '../batch/header.js';
import type { Leaf } from '../leaf.js';

export const BUNDLE_FORMAT = 'evidence-proof/1';

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
