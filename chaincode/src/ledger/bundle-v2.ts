import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V2,
  encodeCheckpoint,
  fromHex,
  hashFor,
  isValidSm2PublicKey,
  logLeafHash,
  verifyBundle,
  verifyCheckpointSignature,
  verifyCosignature,
  verifyInclusion,
  type BatchHeader,
  type Checkpoint,
  type Cosignature,
} from '@evidence/core';
import type { Context } from '../fabric.js';
import { getCheckpoint } from './checkpoints.js';
import { gatewayKeyAt, getGateway } from './registry.js';

/*
 * The chaincode's own check of a version 2 proof bundle (spec section 12),
 * written with the core's primitives so that it does not depend on the core's
 * bundle verifier following the format. Steps 1 to 4 are version 1's, run by
 * the core on the bundle's version 1 members; steps 5 to 7 (log, checkpoint,
 * cosignature) are checked here; then the online check against this ledger.
 * Every member comes from whoever calls the evaluate, so each is type-checked
 * before it is read.
 */

export type BundleStep = 'disclosure' | 'leaf' | 'inclusion' | 'signature' | 'log' | 'checkpoint' | 'cosignature';

export interface BundleStepOutcome {
  step: BundleStep;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
}

export type OnlineReason = 'offline-invalid' | 'not-anchored' | 'root-mismatch' | 'key-mismatch';

export interface BundleV2Verification {
  format: typeof BUNDLE_FORMAT_V2;
  valid: boolean;
  steps: BundleStepOutcome[];
  failedStep?: BundleStep | 'format' | 'malformed';
  message: string;
  leafHash?: string;
  headerHash?: string;
  anchored: boolean;
  reason?: OnlineReason;
  txId?: string;
  anchoredAt?: number;
  /** Position of the anchored checkpoint among the gateway's checkpoints. */
  checkpointIndex?: number;
  gatewayActive?: boolean;
}

/** Each cosignature costs the evaluating peer an SM2 verification; a bundle carries at most this many. */
export const MAX_COSIGNATURES = 64;

const LOG_STEPS = ['log', 'checkpoint', 'cosignature'] as const;
const PASSED: Record<(typeof LOG_STEPS)[number], string> = {
  log: "the batch header is entry batch.seq of the gateway's log at the checkpoint's size",
  checkpoint: 'the checkpoint is signed by log.signature.publicKey',
  cosignature: 'every cosignature verifies with the key it names',
};

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function verifyBundleV2(ctx: Context, input: Obj): Promise<BundleV2Verification> {
  const { log, format: _format, ...members } = input;
  const v1 = verifyBundle({ ...members, format: BUNDLE_FORMAT });
  const steps: BundleStepOutcome[] = v1.steps.map((s) => ({ step: s.step as BundleStep, status: s.status, message: s.message }));
  if (!v1.valid) {
    const failedStep = v1.failedStep === 'format' ? 'malformed' : (v1.failedStep as BundleV2Verification['failedStep']);
    for (const step of LOG_STEPS) steps.push({ step, status: 'skipped', message: `not checked: ${failedStep} failed` });
    return { format: BUNDLE_FORMAT_V2, valid: false, steps, failedStep, message: v1.message, anchored: false, reason: 'offline-invalid' };
  }
  // Steps 1 to 4 passed, so batch is a well-formed header.
  const batch = members.batch as BatchHeader;
  const checks: [(typeof LOG_STEPS)[number], () => string | null][] = [
    ['log', () => checkLog(log, batch)],
    ['checkpoint', () => checkCheckpointSignature(log as Obj)],
    ['cosignature', () => checkCosignatures(log as Obj)],
  ];
  for (const [i, [step, check]] of checks.entries()) {
    const error = check();
    steps.push({ step, status: error === null ? 'passed' : 'failed', message: error ?? PASSED[step] });
    if (error !== null) {
      for (const [later] of checks.slice(i + 1)) steps.push({ step: later, status: 'skipped', message: `not checked: ${step} failed` });
      return { format: BUNDLE_FORMAT_V2, valid: false, steps, failedStep: step, message: error, anchored: false, reason: 'offline-invalid' };
    }
  }

  const offline = { format: BUNDLE_FORMAT_V2, valid: true, steps, leafHash: v1.leafHash, headerHash: v1.headerHash } as const;
  const cp = (log as Obj).checkpoint as Checkpoint;
  const notAnchored = (reason: OnlineReason, message: string): BundleV2Verification => ({ ...offline, message, anchored: false, reason });
  const anchored = await getCheckpoint(ctx, cp.gateway, cp.size);
  if (!anchored) return notAnchored('not-anchored', `no checkpoint of size ${cp.size} of gateway ${cp.gateway} is anchored`);
  if (anchored.root !== cp.root) return notAnchored('root-mismatch', `the checkpoint anchored at size ${cp.size} has another root`);
  const batchKey = await gatewayKeyAt(ctx, batch.gateway, batch.seq);
  if (batchKey !== (members.signature as Obj).publicKey) {
    return notAnchored('key-mismatch', `signature.publicKey is not the key registered for seq ${batch.seq}`);
  }
  const checkpointKey = await gatewayKeyAt(ctx, cp.gateway, cp.size - 1);
  if (checkpointKey !== ((log as Obj).signature as Obj).publicKey) {
    return notAnchored('key-mismatch', `log.signature.publicKey is not the key registered for seq ${cp.size - 1}, the last batch of the checkpoint`);
  }
  const gateway = await getGateway(ctx, cp.gateway);
  return {
    ...offline,
    message: `batch ${batch.seq} is in the log at the checkpoint of size ${cp.size} anchored with this root; the keys are the gateway's registered keys`,
    anchored: true,
    txId: anchored.txId,
    anchoredAt: anchored.anchoredAt,
    checkpointIndex: anchored.index,
    gatewayActive: gateway?.active ?? false,
  };
}

const isHex = (v: unknown, bytes: number): v is string => typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-f]*$/.test(v);
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Step 5: the log object, the checkpoint, and the batch's place in the log at the checkpoint's size. */
function checkLog(log: unknown, batch: BatchHeader): string | null {
  if (!isObject(log)) return 'log: the log object is missing';
  const cp = log.checkpoint;
  if (!isObject(cp)) return 'log: log.checkpoint must be an object';
  try {
    encodeCheckpoint(cp as unknown as Checkpoint);
  } catch (e) {
    return `log: checkpoint: ${(e as Error).message}`;
  }
  const checkpoint = cp as unknown as Checkpoint;
  if (checkpoint.gateway !== batch.gateway) return 'log: gateway: checkpoint.gateway is not batch.gateway';
  if (checkpoint.alg !== batch.alg) return 'log: alg: checkpoint.alg is not batch.alg';
  const inc = log.inclusion;
  if (!isObject(inc) || !isUint(inc.index) || !isUint(inc.size) || !Array.isArray(inc.path) || inc.path.length > 64 || !inc.path.every((p) => isHex(p, 32))) {
    return 'log: log.inclusion must be {index, size, path} with integers and at most 64 lowercase 32-byte hex hashes';
  }
  if (inc.index !== batch.seq) return `log: position: log.inclusion.index ${inc.index} is not batch.seq ${batch.seq}`;
  if (inc.size !== checkpoint.size) return `log: position: log.inclusion.size ${inc.size} is not checkpoint.size ${checkpoint.size}`;
  const path = (inc.path as string[]).map((p) => fromHex(p, 32));
  if (!verifyInclusion(hashFor(checkpoint.alg), inc.index, inc.size, logLeafHash(batch), path, fromHex(checkpoint.root, 32))) {
    return 'log: inclusion: the proof of the batch header does not yield checkpoint.root';
  }
  return null;
}

/** Step 6: the gateway's SM2 signature over checkpointBytes with log.signature.publicKey. */
function checkCheckpointSignature(log: Obj): string | null {
  const sig = log.signature;
  if (!isObject(sig)) return 'checkpoint: log.signature must be an object';
  if (sig.alg !== 'sm2') return 'checkpoint: log.signature.alg must be sm2';
  if (!isValidSm2PublicKey(sig.publicKey)) return 'checkpoint: log.signature.publicKey is not a point on the SM2 curve';
  if (!isHex(sig.value, 64)) return 'checkpoint: log.signature.value must be 64 bytes of lowercase hex';
  if (!verifyCheckpointSignature(log.checkpoint as Checkpoint, fromHex(sig.value, 64), sig.publicKey)) {
    return 'checkpoint: the signature does not verify over checkpointBytes with log.signature.publicKey';
  }
  return null;
}

/** Step 7: every cosignature well formed, no witness twice, each verifying with the key it names. */
function checkCosignatures(log: Obj): string | null {
  const list = log.cosignatures;
  if (!Array.isArray(list)) return 'cosignature: log.cosignatures must be an array (possibly empty)';
  if (list.length > MAX_COSIGNATURES) return `cosignature: more than ${MAX_COSIGNATURES} cosignatures`;
  const seen = new Set<string>();
  for (const [i, c] of list.entries()) {
    if (!isObject(c) || !isHex(c.witness, 32) || !isUint(c.ts) || !isValidSm2PublicKey(c.publicKey) || !isHex(c.value, 64)) {
      return `cosignature: log.cosignatures[${i}] must be {witness, ts, publicKey, value} with lowercase hex, an integer ts and an SM2 key`;
    }
    if (seen.has(c.witness)) return `cosignature: duplicate witness: ${c.witness} cosigned twice`;
    seen.add(c.witness);
    if (!verifyCosignature(log.checkpoint as Checkpoint, c as unknown as Cosignature)) {
      return `cosignature: log.cosignatures[${i}] by witness ${c.witness} does not verify`;
    }
  }
  return null;
}
