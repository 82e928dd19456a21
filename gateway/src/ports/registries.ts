import type { AnyProofBundle, CredentialRecord, CredentialRole, CredentialState, Leaf } from '@evidence/core';

/** A transaction that succeeded on chain. */
export interface TxRef {
  txHash: string;
  blockNumber: number;
}

export type { CredentialRecord, CredentialRole, CredentialState } from '@evidence/core';

export interface ConsentOnChain {
  status: 'none' | 'active' | 'expired' | 'revoked';
  kinds: number[];
  expiresAt: number;
  evidenceId: string;
}

export interface ClaimRequest {
  insurer: string;
  evidenceIds: string[];
  claimId?: string;
  issuedAt: number;
  signature: string;
}

/**
 * Where a consent leaf is anchored, as the registries check it: its batch, and
 * for a batch anchored through a checkpoint (a version 2 bundle) the header
 * fields and the batch's inclusion in the anchored log.
 */
export interface EvidenceLocation {
  seq: number;
  index: number;
  size: number;
  path: string[];
  log?: { batchRoot: string; prev: string; closedAt: number; size: number; path: string[] };
}

/**
 * The port to the registries beside the anchor (ConsentRegistry,
 * CredentialRegistry) as the gateway uses them, writing from its own chain
 * account. Each chain's adapter is in chains/<chain>/registries.ts.
 */
export interface Registries {
  /** `bundle`: the consent's proof bundle, which a chain that checks the bundle itself (Fabric) needs beside its location. */
  grantConsent(p: { consent: Leaf; location: EvidenceLocation; bundle?: AnyProofBundle; grantee: string; kinds: string[]; expiresAt: number }): Promise<TxRef>;
  consentStatus(p: { gateway: string; subject: string; grantee: string }): Promise<ConsentOnChain>;
  issueCredential(p: { credentialId: string; issuer: string; practitioner: string; role: CredentialRole; licenceDigest: string; validFrom: number; validUntil: number }): Promise<TxRef>;
  suspendCredential(p: { credentialId: string; reason?: string }): Promise<TxRef>;
  revokeCredential(p: { credentialId: string; reason?: string }): Promise<TxRef>;
  credentialStatus(p: { credentialId: string; at?: number }): Promise<CredentialState>;
  credentialOf(p: { credentialId: string }): Promise<CredentialRecord | null>;
  /** True when an insurer's claim request is signed (EIP-191) by the account it names. */
  isClaimRequestSigned(gatewayId: string, request: ClaimRequest): boolean;
  close(): void;
}
