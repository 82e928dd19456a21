import { BUNDLE_FORMAT_V2, EvidenceError, fromHex, kindName, verifyBundle, type AnyProofBundle } from '@evidence/core';
import { getAddress, isAddress } from 'ethers';
import type { ClaimItem, SubmitClaimParams } from '../actions/submit-claim.js';
import type { EvidenceLocation } from '../hex.js';

export const CLAIM_PACKAGE_FORMAT = 'evidence-claim/1';

/** One piece of evidence the patient consented to share: its disclosed proof bundle. */
export interface ClaimPackageItem {
  evidenceId: string;
  /** Kind name (spec section 3). */
  kind: string;
  /** evidence-proof/1 or /2 bundle, with the payload disclosed unless it was erased. */
  bundle: AnyProofBundle;
}

/**
 * What a gateway hands an insurer for a claim (POST /v1/claims/package): the
 * disclosed items with their proofs, the patient's consent as the chain holds
 * it, and `claim`, the arguments of ClaimVerifier.submitClaim.
 */
export interface ClaimPackage {
  format: typeof CLAIM_PACKAGE_FORMAT;
  gateway: { code: string; id: string };
  /** The insurer's EVM account the consent names, lowercase 0x. */
  insurer: string;
  /** The patient's pseudonym, core hex. */
  subject: string;
  consent: { status: string; kinds: number[]; expiresAt: number; evidenceId: string };
  items: ClaimPackageItem[];
  claim: SubmitClaimParams;
  /** When the gateway assembled it, ms. */
  issuedAt: number;
}

const MAX_ITEMS = 64;

/**
 * The on-chain location of a bundle's leaf: its batch seq and audit path, and
 * for a version 2 bundle (batch anchored through a checkpoint) the batch's
 * place in the gateway's log: the header fields the contract rebuilds it
 * from, the checkpoint's size and the log inclusion path.
 */
export function locationOf(bundle: AnyProofBundle): EvidenceLocation {
  const location: EvidenceLocation = { seq: bundle.batch.seq, index: bundle.inclusion.index, size: bundle.inclusion.size, path: [...bundle.inclusion.path] };
  if (bundle.format !== BUNDLE_FORMAT_V2) return location;
  const { batch, log } = bundle;
  return { ...location, log: { batchRoot: batch.root, prev: batch.prev, closedAt: batch.closedAt, size: log.inclusion.size, path: [...log.inclusion.path] } };
}

/** The submitClaim arguments of a set of bundles (of either version, mixed as they come). */
export function claimFromBundles(claimId: string, subject: string, bundles: readonly AnyProofBundle[]): SubmitClaimParams {
  return { claimId, subject, items: bundles.map((b): ClaimItem => ({ leaf: b.leaf, location: locationOf(b) })) };
}

/**
 * Checks a package as an insurer's system receives it (it crossed a network
 * and maybe a person's mailbox): the format, every bundle verified offline
 * (spec section 8), one patient throughout, and `claim` exactly the bundles'
 * leaves and locations, so what is paid for is what was disclosed. Throws
 * CLAIM_PACKAGE_INVALID naming the first problem.
 */
export function parseClaimPackage(value: unknown): ClaimPackage {
  const fail = (why: string): never => {
    throw new EvidenceError('CLAIM_PACKAGE_INVALID', `claim package: ${why}`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const p = value as Partial<ClaimPackage>;
  if (p.format !== CLAIM_PACKAGE_FORMAT) fail(`format must be ${CLAIM_PACKAGE_FORMAT}, got ${JSON.stringify(p.format)}`);
  if (typeof p.insurer !== 'string' || !isAddress(p.insurer)) fail('insurer must be an EVM address');
  hex(p.subject, 32, 'subject', fail);
  if (!Array.isArray(p.items) || p.items.length === 0 || p.items.length > MAX_ITEMS) fail(`items must hold 1 to ${MAX_ITEMS} entries`);
  const claim = p.claim as SubmitClaimParams | undefined;
  if (typeof claim !== 'object' || claim === null) fail('claim is missing');
  hex(claim!.claimId, 32, 'claim.claimId', fail);
  if (claim!.subject !== p.subject) fail('claim.subject differs from subject');
  if (!Array.isArray(claim!.items) || claim!.items.length !== p.items!.length) fail('claim.items must match items one to one');

  p.items!.forEach((item, i) => {
    const where = `items[${i}]`;
    if (typeof item !== 'object' || item === null) fail(`${where} is not an object`);
    const check = verifyBundle(item.bundle);
    if (!check.valid) fail(`${where}: the proof bundle does not verify (${check.failedStep}: ${check.message})`);
    const bundle = item.bundle;
    if (bundle.leaf.id !== item.evidenceId) fail(`${where}: evidenceId differs from the bundle's leaf id`);
    if (kindName(bundle.leaf.kind) !== item.kind) fail(`${where}: kind differs from the bundle's leaf kind`);
    if (bundle.leaf.subject !== p.subject) fail(`${where}: the leaf belongs to another patient`);
    const expected = { leaf: bundle.leaf, location: locationOf(bundle) };
    if (JSON.stringify(canonicalItem(claim!.items[i]!)) !== JSON.stringify(canonicalItem(expected))) {
      fail(`claim.items[${i}] is not the leaf and location of items[${i}]`);
    }
  });
  return { ...(p as ClaimPackage), insurer: getAddress(p.insurer!).toLowerCase() };
}

/** Exactly the fields the contract reads, nested so no field can pass for another. */
function canonicalItem(item: ClaimItem): unknown {
  const { leaf, location } = item;
  const log = location.log;
  return [
    [leaf.v, leaf.kind, leaf.id, leaf.gateway, leaf.subject, leaf.ts, leaf.commitment],
    [location.seq, location.index, location.size, location.path],
    log ? [log.batchRoot, log.prev, log.closedAt, log.size, log.path] : null,
  ];
}

function hex(value: unknown, bytes: number, what: string, fail: (why: string) => never): void {
  try {
    if (typeof value !== 'string') throw new Error();
    fromHex(value, bytes, what);
  } catch {
    fail(`${what} must be ${bytes * 2} lowercase hex digits`);
  }
}
