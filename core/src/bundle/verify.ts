import { headerHash } from '../batch/header.js';
import { toHex } from '../encoding/bytes.js';
import { isEvidenceError } from '../errors.js';
import { hashFor } from '../hash/alg.js';
import { logLeafHash } from '../log/leaf.js';
import { hashLeaf } from '../merkle/hashing.js';
import { isObject, type JsonObject } from './fields.js';
import { parseWitnessPolicy, tallyWitnesses, type WitnessPolicy } from './policy.js';
import { readBatchTree, readCheckpointSignature, readCosignatures, readHeader, readLeaf, readLog } from './read.js';
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
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V2,
  V1_STEPS,
  V2_STEPS,
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
  const read = readFormat(input);
  if ('error' in read) return { valid: false, failedStep: 'format', message: read.error, steps: [] };
  const { bundle, format } = read;

  const names: VerificationStep[] = [...(format === BUNDLE_FORMAT ? V1_STEPS : V2_STEPS), ...(policy ? (['witnesses'] as const) : [])];
  const steps: StepOutcome[] = [];
  for (const [i, step] of names.entries()) {
    const outcome = runStep(() => checkStep(step, bundle, policy));
    steps.push({ step, ...outcome });
    if (outcome.status === 'failed') {
      for (const later of names.slice(i + 1)) steps.push({ step: later, status: 'skipped', message: `not checked: ${step} failed` });
      return { valid: false, failedStep: step, message: failureMessage(step, outcome), steps, format, ...(outcome.detail ? { detail: outcome.detail } : {}) };
    }
  }
  return { valid: true, steps, format, ...summarize(bundle, format, policy) };
}

function checkStep(step: VerificationStep, bundle: JsonObject, policy: WitnessPolicy | undefined): StepCheck {
  switch (step) {
    case 'disclosure':
      return checkDisclosure(bundle);
    case 'leaf':
      return checkLeaf(bundle);
    case 'inclusion':
      return checkInclusion(bundle);
    case 'signature':
      return checkSignature(bundle);
    case 'log':
      return checkLog(bundle);
    case 'checkpoint':
      return checkCheckpoint(bundle);
    case 'cosignature':
      return checkCosignatures(bundle);
    case 'witnesses':
      // Only listed when a policy was given.
      return checkWitnesses(bundle, policy!);
  }
}

/** Step 0: a JSON object (or its text) whose format is one this verifier knows. */
function readFormat(input: unknown): { bundle: JsonObject; format: BundleFormat } | { error: string } {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (e) {
      return { error: `not JSON: ${(e as Error).message}` };
    }
  }
  if (!isObject(value)) return { error: 'a proof bundle is a JSON object' };
  const format = value.format;
  if (format !== BUNDLE_FORMAT && format !== BUNDLE_FORMAT_V2) {
    const got = typeof format === 'string' ? JSON.stringify(format) : typeof format;
    return { error: `format must be "${BUNDLE_FORMAT}" or "${BUNDLE_FORMAT_V2}", got ${got}` };
  }
  return { bundle: value, format };
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
