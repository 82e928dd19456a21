import type { Context } from '../fabric.js';
import { KEY, key, readJson } from './state.js';

/**
 * A patient's grant to a grantee (an insurer's account), recorded by the
 * patient's gateway. One per (gateway, subject, grantee): a new grant replaces
 * the previous one, and a revocation ends it for every kind, as on EVM.
 */
export interface ConsentRecord {
  /** The id of the anchored `consent` leaf that records the grant. */
  id: string;
  gateway: string;
  subject: string;
  grantee: string;
  kinds: number[];
  expiresAt: number;
  grantedAt: number;
  evidence: { seq: number; index: number };
  revokedAt: number | null;
  /** The id of the leaf recording the revocation, when the gateway gave it. */
  revocationEvidenceId: string | null;
  txId: string;
}

export type ConsentStatus = 'none' | 'active' | 'expired' | 'revoked';

export function consentKey(ctx: Context, gateway: string, subject: string, grantee: string): string {
  return key(ctx, KEY.consent, [gateway, subject, grantee]);
}

/** Marks a consent leaf as used by a grant, so that it backs one grant only. */
export function consentEvidenceKey(ctx: Context, gateway: string, evidenceId: string): string {
  return key(ctx, KEY.consentId, [gateway, evidenceId]);
}

export async function getConsent(ctx: Context, gateway: string, subject: string, grantee: string): Promise<ConsentRecord | null> {
  return readJson<ConsentRecord>(ctx, consentKey(ctx, gateway, subject, grantee));
}

export function consentStatus(c: ConsentRecord | null, at: number): ConsentStatus {
  if (!c) return 'none';
  if (c.revokedAt !== null) return 'revoked';
  if (at >= c.expiresAt) return 'expired';
  return 'active';
}
