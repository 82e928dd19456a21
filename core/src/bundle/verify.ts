import { encodeHeader, headerHash } from '../batch/header.js';
import { equalBytes, fromHex, toHex } from '../encoding/bytes.js';
import { EvidenceError, isEvidenceError } from '../errors.js';
import { assertHashAlg, hashFor } from '../hash/alg.js';
import { computeCommitment, encodeLeaf, SALT_LENGTH } from '../leaf.js';
import { hashLeaf } from '../merkle/hashing.js';
import { rootFromInclusionProof } from '../merkle/verify.js';
import { sm2Verify } from '../sm2/sm2.js';
import { parseBundle } from './parse.js';
import type { BundleVerification, ProofBundle, StepOutcome, VerificationStep } from './types.js';

/**
 * Verifies a proof bundle offline (spec section 8) with no I/O: disclosure,
 * leaf, inclusion, signature, in that order, stopping at and naming the first
 * step that fails. Everything in the bundle is attacker-controlled; the result
 * only says the bundle is internally consistent and signed by the key it
 * carries. Whether that key is the gateway's and the root is anchored is the
 * online check (see ports/anchor.ts).
 */
export function verifyBundle(input: unknown): BundleVerification {
  let bundle: ProofBundle;
  try {
    bundle = parseBundle(input);
  } catch (e) {
    const failedStep = isEvidenceError(e) && e.code === 'BUNDLE_BAD_FORMAT' ? 'format' : 'malformed';
    return { valid: false, failedStep, message: (e as Error).message, steps: [] };
  }

  const steps: StepOutcome[] = [];
  let leafHashHex = '';
  const checks: [VerificationStep, () => string | null][] = [
    ['disclosure', () => checkDisclosure(bundle)],
    ['leaf', () => checkLeaf(bundle)],
    [
      'inclusion',
      () => {
        const r = checkInclusion(bundle);
        leafHashHex = r.leafHash;
        return r.error;
      },
    ],
    ['signature', () => checkSignature(bundle)],
  ];
  for (const [i, [step, check]] of checks.entries()) {
    if (step === 'disclosure' && bundle.disclosure === null) {
      steps.push({ step, status: 'skipped', message: 'nothing disclosed: only the commitment is proven' });
      continue;
    }
    const error = runCheck(check);
    steps.push({ step, status: error === null ? 'passed' : 'failed', message: error ?? PASSED[step] });
    if (error !== null) {
      for (const [later] of checks.slice(i + 1)) {
        steps.push({ step: later, status: 'skipped', message: `not checked: ${step} failed` });
      }
      return { valid: false, failedStep: step, message: error, steps };
    }
  }
  return { valid: true, steps, leafHash: leafHashHex, headerHash: toHex(headerHash(bundle.batch)) };
}

/** A check's failure message, null when it passed; a thrown error is a failure too. */
function runCheck(check: () => string | null): string | null {
  try {
    return check();
  } catch (e) {
    return isEvidenceError(e) ? e.message : `unexpected error: ${(e as Error).message}`;
  }
}

const PASSED: Record<VerificationStep, string> = {
  disclosure: 'the disclosed payload and salt recompute leaf.commitment',
  leaf: 'the leaf is well formed and belongs to the batch gateway',
  inclusion: 'the inclusion proof yields the batch root',
  signature: 'the SM2 signature over the batch header verifies',
};

function checkDisclosure(bundle: ProofBundle): string | null {
  if (bundle.disclosure === null) return null;
  const salt = fromHex(bundle.disclosure.salt, SALT_LENGTH, 'disclosure.salt');
  const commitment = computeCommitment(bundle.disclosure.payload, salt);
  if (toHex(commitment) !== bundle.leaf.commitment) {
    return 'SM3(salt || JCS(payload)) does not equal leaf.commitment: the payload or salt was altered';
  }
  return null;
}

function checkLeaf(bundle: ProofBundle): string | null {
  encodeLeaf(bundle.leaf);
  if (bundle.leaf.gateway !== bundle.batch.gateway) return 'leaf.gateway differs from batch.gateway';
  return null;
}

function checkInclusion(bundle: ProofBundle): { error: string | null; leafHash: string } {
  const alg = assertHashAlg(bundle.batch.alg);
  const h = hashFor(alg);
  const lh = hashLeaf(h, encodeLeaf(bundle.leaf));
  const leafHash = toHex(lh);
  const { index, size, path } = bundle.inclusion;
  if (size !== bundle.batch.size) {
    return { error: `inclusion.size ${size} differs from batch.size ${String(bundle.batch.size)}`, leafHash };
  }
  const root = fromHex(bundle.batch.root, 32, 'batch.root');
  const pathBytes = path.map((p, i) => fromHex(p, 32, `inclusion.path[${i}]`));
  const computed = rootFromInclusionProof(h, index, size, lh, pathBytes);
  if (!equalBytes(computed, root)) {
    return { error: `the inclusion proof yields ${toHex(computed)}, not batch.root`, leafHash };
  }
  return { error: null, leafHash };
}

function checkSignature(bundle: ProofBundle): string | null {
  const { alg, publicKey, value } = bundle.signature;
  if (alg !== 'sm2') return `signature.alg must be "sm2"`;
  const headerBytes = encodeHeader(bundle.batch);
  let signature: Uint8Array;
  try {
    signature = fromHex(value, 64, 'signature.value');
  } catch (e) {
    throw new EvidenceError('BUNDLE_MALFORMED', (e as Error).message);
  }
  if (!sm2Verify(headerBytes, signature, publicKey)) {
    return 'the SM2 signature does not verify over the batch header with signature.publicKey';
  }
  return null;
}
