import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyProofBundle, BatchHeader, BundleVerification, Checkpoint, ConsistencyProofJson, Cosignature } from '@evidence/core';

/** The exact copy of the independent implementation's v2 vectors kept in the repo. */
export const V2_VECTORS_PATH = fileURLToPath(new URL('../vectors/evidence-v2.json', import.meta.url));

/** A consistency vector is exactly the document `evidence verify-consistency` reads. */
export type ConsistencyVector = ConsistencyProofJson;

export interface V2Vectors {
  consistency: ConsistencyVector[];
  badConsistency: (ConsistencyVector & { why: string })[];
  logLeaves: { header: BatchHeader; headerBytes: string; logLeafHash: string }[];
  checkpoints: { checkpoint: Checkpoint; checkpointBytes: string; signature: { alg: 'sm2'; publicKey: string; value: string } }[];
  cosignatures: (Cosignature & { cosignatureBytes: string })[];
  witnesses: { code: string; id: string; publicKey: string }[];
  /** `bundle` is any JSON value: some tampered entries are not even objects. */
  bundles: { valid: boolean; failsAt?: string; bundle: AnyProofBundle }[];
  policies: { policy: { witnesses: Record<string, string>; quorum: number }; bundle: number; expect: null | 'witnesses' }[];
}

export const v2 = JSON.parse(readFileSync(V2_VECTORS_PATH, 'utf8')) as V2Vectors;

/**
 * How a vector's `failsAt` is matched: the part before the first ": " is the
 * step (failedStep); a finer name after it ("log: position", "cosignature:
 * duplicate witness") must also begin the message.
 */
export function failsAtMatches(r: BundleVerification, failsAt: string): boolean {
  if (r.valid) return false;
  const step = failsAt.split(': ')[0];
  return r.failedStep === step && (failsAt === step || r.message.startsWith(failsAt));
}
