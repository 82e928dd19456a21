import { headerHash } from '../batch/header.js';
import { toHex } from '../encoding/bytes.js';
import { isEvidenceError } from '../errors.js';
import { hashFor } from '../hash/alg.js';
import { logLeafHash } from '../log/leaf.js';
import { hashLeaf } from '../merkle/hashing.js';
import type { JsonObject } from './fields.js';
import { parseWitnessPolicy, tallyWitnesses, type WitnessPolicy } from './policy.js';
import { readBatchTree, readBundleObject, readCheckpointSignature, readCosignatures, readHeader, readLeaf, readLog } from './read.js';
import {
  checkCheckpoint,
  checkCosignatures,
  checkDisclosure,
  checkInclusion,
  checkLeaf,
  checkLog,
  checkSignature,
  checkWitnesses,
  type StepCheck,
} from './steps.js';
import {
  BUNDLE_FORMAT_V2,
  type BundleFormat,
  type BundleVerification,
  type StepOutcome,
  type VerificationStep,
  type VerifiedLog,
} from './types.js';

export interface VerifyOptions {
  /** The verifier's witness policy: adds step `witnesses` (spec section 12, step 8). */
  witnesses?: WitnessPolicy;
}

/** The version 2 steps whose failure messages start with the step's name, as the vectors name them ("log: position"). */
const NAMED_IN_MESSAGE: ReadonlySet<VerificationStep> = new Set(['log', 'checkpoint', 'cosignature', 'witnesses']);

/**
 * Verifies a proof bundle offline (spec sections 8, 12 and 13) with no I/O:
 * `format`, then `disclosure`, `leaf`, `inclusion`, `signature`, then for
 * version 2 `log`, `checkpoint`, `cosignature`, then `witnesses` when a
 * policy is given; it stops at and names the first step that fails.
 *
 * Everything in the bundle is attacker-controlled; a valid result only says
 * the bundle is consistent and signed by the keys it carries. Which keys are
 * the gateway's is the online check (online.ts); which witnesses count is the
 * caller's policy. Never throws on any bundle; throws WITNESS_POLICY_INVALID
 * when the caller's own policy is malformed.
 */
export function verifyBundle(input: unknown, options: VerifyOptions = {}): BundleVerification {
  const policy = options.witnesses === undefined ? undefined : parseWitnessPolicy(options.witnesses);
  let read: { bundle: JsonObject; format: BundleFormat };
  try {
    read = readBundleObject(input);
  } catch (e) {
    return { valid: false, failedStep: 'format', message: (e as Error).message, steps: [] };
  }
  const { bundle, format } = read;
  const checks = stepsFor(bundle, format, policy);
  const steps: StepOutcome[] = [];
  for (const [i, [step, check]] of checks.entries()) {
    const outcome = runStep(check);
    steps.push({ step, ...outcome });
    if (outcome.status === 'failed') {
      for (const [later] of checks.slice(i + 1)) steps.push({ step: later, status: 'skipped', message: `not checked: ${step} failed` });
      return { valid: false, failedStep: step, message: failureMessage(step, outcome), steps, format, ...(outcome.detail ? { detail: outcome.detail } : {}) };
    }
  }
  return { valid: true, steps, format, ...summarize(bundle, format, policy) };
}

/** The steps of spec section 12 that apply: 1 to 4 for both versions, 5 to 7 for version 2, 8 with a policy. */
function stepsFor(bundle: JsonObject, format: BundleFormat, policy: WitnessPolicy | undefined): [VerificationStep, () => StepCheck][] {
  const checks: [VerificationStep, () => StepCheck][] = [
    ['disclosure', () => checkDisclosure(bundle)],
    ['leaf', () => checkLeaf(bundle)],
    ['inclusion', () => checkInclusion(bundle)],
    ['signature', () => checkSignature(bundle)],
  ];
  if (format === BUNDLE_FORMAT_V2) {
    checks.push(['log', () => checkLog(bundle)], ['checkpoint', () => checkCheckpoint(bundle)], ['cosignature', () => checkCosignatures(bundle)]);
  }
  if (policy) checks.push(['witnesses', () => checkWitnesses(bundle, policy)]);
  return checks;
}

/** A check's verdict; a thrown error (a malformed member) is a failure of the step that read it. */
function runStep(check: () => StepCheck): StepCheck {
  try {
    return check();
  } catch (e) {
    return { status: 'failed', message: isEvidenceError(e) ? e.message : `unexpected error: ${(e as Error).message}` };
  }
}

function failureMessage(step: VerificationStep, outcome: StepCheck & { detail?: string }): string {
  if (!NAMED_IN_MESSAGE.has(step)) return outcome.message;
  return outcome.detail ? `${step}: ${outcome.detail}: ${outcome.message}` : `${step}: ${outcome.message}`;
}

/** The facts a report shows of a bundle that passed every step (all its members are known good by now). */
function summarize(
  bundle: JsonObject,
  format: BundleFormat,
  policy: WitnessPolicy | undefined,
): Pick<Extract<BundleVerification, { valid: true }>, 'leafHash' | 'headerHash' | 'log' | 'witnesses'> {
  const tree = readBatchTree(bundle);
  const header = readHeader(bundle);
  const leafHash = toHex(hashLeaf(hashFor(tree.alg), readLeaf(bundle).bytes));
  const log = format === BUNDLE_FORMAT_V2 ? summarizeLog(bundle) : undefined;
  return {
    leafHash,
    headerHash: toHex(headerHash(header)),
    ...(log ? { log } : {}),
    ...(policy ? { witnesses: tallyWitnesses(policy, log?.cosignatures ?? []) } : {}),
  };
}

function summarizeLog(bundle: JsonObject): VerifiedLog {
  const header = readHeader(bundle);
  const { checkpoint, inclusion } = readLog(bundle);
  return {
    checkpoint,
    checkpointKey: readCheckpointSignature(bundle).publicKey,
    index: inclusion.index,
    logLeafHash: toHex(logLeafHash(header)),
    cosignatures: readCosignatures(bundle).map(({ witness, ts, publicKey }) => ({ witness, ts, publicKey })),
  };
}
