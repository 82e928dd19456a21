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

export type BundleFormat = typeof BUNDLE_FORMAT | typeof BUNDLE_FORMAT_V2;

/** The offline steps of version 1 (spec section 8), in their order. */
export type V1Step = 'disclosure' | 'leaf' | 'inclusion' | 'signature';
/** The steps version 2 adds (spec section 12): the batch in the log, the checkpoint signature, the cosignatures. */
export type LogStep = 'log' | 'checkpoint' | 'cosignature';
/** Every offline step of spec section 12 after `format`; `witnesses` runs only when the verifier is given a policy. */
export type VerificationStep = V1Step | LogStep | 'witnesses';
/**
 * The step a verification failed at. 'malformed' is no longer reported by
 * verifyBundle (spec section 13: a malformed member fails at the first step
 * that reads it; input that is not a JSON object fails at 'format'); it stays
 * in the type so code written against the first verifier still compiles.
 */
export type FailedStep = VerificationStep | 'format' | 'malformed';

export const V1_STEPS: readonly V1Step[] = ['disclosure', 'leaf', 'inclusion', 'signature'];
export const V2_STEPS: readonly (V1Step | LogStep)[] = [...V1_STEPS, 'log', 'checkpoint', 'cosignature'];

export interface StepOutcome {
  step: VerificationStep;
  /** 'skipped' only for disclosure when the bundle discloses nothing, and for steps after a failure. */
  status: 'passed' | 'failed' | 'skipped';
  /** What was found, without the step's name. */
  message: string;
  /** On a failure, the finer name the vectors use after the step ("position" of "log: position", "duplicate witness"). */
  detail?: string;
}

/** A cosignature that verified, as a report shows it. */
export interface VerifiedCosignature {
  witness: string;
  ts: number;
  publicKey: string;
}

/** What the log steps established for a version 2 bundle. */
export interface VerifiedLog {
  checkpoint: Checkpoint;
  /** The key that signed the checkpoint (log.signature.publicKey). */
  checkpointKey: string;
  /** The batch's position in the log: index = batch.seq, of checkpoint.size batches. */
  index: number;
  /** logLeafHash(batch), hex. */
  logLeafHash: string;
  cosignatures: VerifiedCosignature[];
}

/** What step `witnesses` counted (present only when a policy was given). */
export interface WitnessReport {
  quorum: number;
  /** Trusted witnesses whose cosignatures counted. */
  trusted: string[];
  /** Listed witnesses whose cosignature carried another key (not counted). */
  wrongKey: string[];
  /** Cosigning witnesses the policy does not list (not counted). */
  unknown: string[];
}

export type BundleVerification =
  | {
      valid: true;
      steps: StepOutcome[];
      leafHash: string;
      headerHash: string;
      /** Added with version 2: which format the bundle is. */
      format?: BundleFormat;
      /** Version 2 only. */
      log?: VerifiedLog;
      /** Only when a witness policy was given. */
      witnesses?: WitnessReport;
    }
  | {
      valid: false;
      failedStep: FailedStep;
      /** Starts with the step's name and detail for the version 2 steps ("log: position: ..."), as the vectors name them. */
      message: string;
      steps: StepOutcome[];
      detail?: string;
      /** Absent when the format step failed. */
      format?: BundleFormat;
    };
