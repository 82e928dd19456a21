import { encodeHeader } from '../batch/header.js';
import { equalBytes, fromHex, toHex } from '../encoding/bytes.js';
import { hashFor } from '../hash/alg.js';
import { computeCommitment } from '../leaf.js';
import { encodeCheckpoint } from '../log/checkpoint.js';
import { verifyCosignature } from '../log/cosignature.js';
import { logLeafHash } from '../log/leaf.js';
import { hashLeaf } from '../merkle/hashing.js';
import { rootFromInclusionProof } from '../merkle/verify.js';
import { sm2Verify } from '../sm2/sm2.js';
import { isObject, type JsonObject } from './fields.js';
import { tallyWitnesses, type WitnessPolicy } from './policy.js';
import {
  readBatchTree,
  readCheckpointSignature,
  readCosignatures,
  readDisclosure,
  readHeader,
  readInclusion,
  readLeaf,
  readLeafCommitment,
  readLog,
  readSm2Signature,
} from './read.js';
import { BUNDLE_FORMAT_V2 } from './types.js';

/**
 * The offline verification steps of spec sections 8 and 12, one function per
 * step. Each takes the bundle as parsed JSON (all of it attacker-controlled)
 * and reads, through read.ts, the members it is the first step to read, so a
 * malformed member throws inside the step that names it (spec section 13);
 * the members earlier steps read are already known good. A step returns its
 * verdict; a throw is a failure of that step (verify.ts catches it).
 */
export type StepCheck =
  | { status: 'passed' | 'skipped'; message: string }
  | { status: 'failed'; message: string; detail?: string };

const passed = (message: string): StepCheck => ({ status: 'passed', message });
const failed = (message: string, detail?: string): StepCheck => ({ status: 'failed', message, ...(detail ? { detail } : {}) });

/** Step 1: the disclosed payload and salt recompute leaf.commitment; skipped when nothing is disclosed. */
export function checkDisclosure(bundle: JsonObject): StepCheck {
  const disclosure = readDisclosure(bundle);
  if (disclosure === null) return { status: 'skipped', message: 'nothing disclosed: only the commitment is proven' };
  const commitment = readLeafCommitment(bundle);
  if (!equalBytes(computeCommitment(disclosure.payload, disclosure.salt), commitment)) {
    return failed('SM3(salt || JCS(payload)) does not equal leaf.commitment: the payload or salt was altered');
  }
  return passed('the disclosed payload and salt recompute leaf.commitment');
}

/** Step 2: the leaf is well formed and belongs to the batch's gateway. */
export function checkLeaf(bundle: JsonObject): StepCheck {
  const { leaf } = readLeaf(bundle);
  // Compared as strings (section 13); whether batch.gateway itself is well formed is the signature step's.
  const batchGateway = isObject(bundle.batch) ? bundle.batch.gateway : undefined;
  if (leaf.gateway !== batchGateway) return failed('leaf.gateway differs from batch.gateway');
  return passed('the leaf is well formed and belongs to the batch gateway');
}

/** Step 3: the RFC 9162 inclusion proof yields batch.root under batch.alg, with inclusion.size = batch.size. */
export function checkInclusion(bundle: JsonObject): StepCheck {
  const { bytes } = readLeaf(bundle);
  const tree = readBatchTree(bundle);
  const proof = readInclusion(bundle, 'inclusion', 'inclusion');
  if (proof.size !== tree.size) return failed(`inclusion.size ${proof.size} differs from batch.size ${tree.size}`);
  const h = hashFor(tree.alg);
  const computed = rootFromInclusionProof(h, proof.index, proof.size, hashLeaf(h, bytes), proof.path);
  if (!equalBytes(computed, tree.root)) return failed(`the inclusion proof yields ${toHex(computed)}, not batch.root`);
  return passed('the inclusion proof yields the batch root');
}

/** Step 4: the SM2 signature verifies over headerBytes with signature.publicKey. */
export function checkSignature(bundle: JsonObject): StepCheck {
  const header = readHeader(bundle);
  const signature = readSm2Signature(bundle, 'signature', 'signature');
  if (!sm2Verify(encodeHeader(header), signature.value, signature.publicKey)) {
    return failed('the SM2 signature does not verify over the batch header with signature.publicKey');
  }
  return passed('the SM2 signature over the batch header verifies');
}

/**
 * Step 5: the batch is in the gateway's log at the checkpoint's size. The
 * position is bound by the signed header (seq) and the signed checkpoint
 * (size), never by the bundle's inclusion object alone.
 */
export function checkLog(bundle: JsonObject): StepCheck {
  const header = readHeader(bundle);
  const { checkpoint, inclusion } = readLog(bundle);
  if (checkpoint.gateway !== header.gateway) return failed('checkpoint.gateway differs from batch.gateway', 'gateway');
  if (checkpoint.alg !== header.alg) return failed(`checkpoint.alg ${checkpoint.alg} differs from batch.alg ${header.alg}`, 'alg');
  if (inclusion.index !== header.seq) return failed(`log.inclusion.index ${inclusion.index} is not batch.seq ${header.seq}`, 'position');
  if (inclusion.size !== checkpoint.size) {
    return failed(`log.inclusion.size ${inclusion.size} is not checkpoint.size ${checkpoint.size}`, 'position');
  }
  if (header.seq >= checkpoint.size) return failed(`batch ${header.seq} is not in a log of ${checkpoint.size} batches`, 'position');
  const computed = rootFromInclusionProof(hashFor(header.alg), inclusion.index, inclusion.size, logLeafHash(header), inclusion.path);
  if (!equalBytes(computed, fromHex(checkpoint.root, 32))) {
    return failed(`the log inclusion proof yields ${toHex(computed)}, not checkpoint.root`, 'root');
  }
  return passed(`batch ${header.seq} is in the log of ${checkpoint.size} batches with checkpoint.root`);
}

/** Step 6: the gateway's SM2 signature verifies over checkpointBytes with log.signature.publicKey. */
export function checkCheckpoint(bundle: JsonObject): StepCheck {
  const { checkpoint } = readLog(bundle);
  const signature = readCheckpointSignature(bundle);
  if (!sm2Verify(encodeCheckpoint(checkpoint), signature.value, signature.publicKey)) {
    return failed('the SM2 signature does not verify over checkpointBytes with log.signature.publicKey');
  }
  return passed('the SM2 signature over the checkpoint verifies');
}

/** Step 7: every cosignature is well formed, no witness appears twice, and each verifies over cosignatureBytes. */
export function checkCosignatures(bundle: JsonObject): StepCheck {
  const { checkpoint } = readLog(bundle);
  const cosignatures = readCosignatures(bundle);
  const first = new Map<string, number>();
  for (const [i, c] of cosignatures.entries()) {
    const earlier = first.get(c.witness);
    // One witness counted twice would let one party fake a quorum of two.
    if (earlier !== undefined) return failed(`${c.witness} at log.cosignatures[${earlier}] and [${i}]`, 'duplicate witness');
    first.set(c.witness, i);
  }
  for (const [i, c] of cosignatures.entries()) {
    if (!verifyCosignature(checkpoint, c)) {
      return failed(`log.cosignatures[${i}] by witness ${c.witness} does not verify over cosignatureBytes with its publicKey`, 'signature');
    }
  }
  return passed(cosignatures.length === 0 ? 'no cosignatures' : `${cosignatures.length} cosignature(s) verify over this checkpoint`);
}

/** Step 8 (only with a policy): at least `quorum` cosignatures by trusted witnesses with the keys the policy names. */
export function checkWitnesses(bundle: JsonObject, policy: WitnessPolicy): StepCheck {
  // A version 1 bundle has no log and so no cosignatures (section 12, step 8).
  const cosignatures = bundle.format === BUNDLE_FORMAT_V2 ? readCosignatures(bundle) : [];
  const tally = tallyWitnesses(policy, cosignatures);
  const wrongKey = tally.wrongKey.length ? `; cosigned with a key the policy does not name: ${tally.wrongKey.join(', ')}` : '';
  if (tally.trusted.length < policy.quorum) {
    return failed(`${tally.trusted.length} cosignature(s) by trusted witnesses, the policy asks for ${policy.quorum}${wrongKey}`, 'quorum');
  }
  if (policy.quorum === 0) return passed('quorum 0: the policy asks for no cosignature');
  return passed(`${tally.trusted.length} cosignature(s) by trusted witnesses, quorum ${policy.quorum}${wrongKey}`);
}
