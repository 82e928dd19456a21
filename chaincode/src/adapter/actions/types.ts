import type { Leaf, ProofBundleV2 } from '@evidence/core';

/** A leaf and its inclusion proof in the batch (gateway, seq) anchored on its own (version 1). */
export interface BatchEvidenceItem {
  gateway: string;
  seq: number;
  leaf: Leaf;
  inclusion: { index: number; size: number; path: string[] };
}

/**
 * An evidence item: one anchored on its own batch, or a version 2 proof
 * bundle, whose batch is anchored by a checkpoint of the gateway's log. The
 * actions send a bundle without its disclosure (the chaincode refuses one:
 * submitted arguments are written into the block).
 */
export type EvidenceItemInput = BatchEvidenceItem | ProofBundleV2;

export interface ConsentGrant {
  /** The recording gateway: the patient's. */
  gateway: string;
  /** The insurer's account. */
  grantee: string;
  /** Evidence kind codes the grant covers. */
  kinds: number[];
  /** Expiry, ms since the epoch. */
  expiresAt: number;
  /** The anchored `consent` leaf that records the grant. */
  evidence: EvidenceItemInput;
}

export interface ClaimSubmission {
  /** The insurer's claim number: 1..64 of [A-Za-z0-9._:-]. */
  id: string;
  subject: string;
  items: EvidenceItemInput[];
}

export interface CredentialIssue {
  /** 1..64 of [A-Za-z0-9._:-]. */
  id: string;
  /** The issuing institution's gateway id. */
  issuer: string;
  practitioner: string;
  role: 'doctor' | 'pharmacist' | 'nurse' | 'technician';
  licenceDigest: string;
  validFrom: number;
  validUntil: number;
}
