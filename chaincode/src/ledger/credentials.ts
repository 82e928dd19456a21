import type { CredentialRecord as IssuedCredential, CredentialState, CredentialStatus } from '@evidence/core';

export { CREDENTIAL_ROLE_NAMES, isCredentialRole, type CredentialRole, type CredentialStatus } from '@evidence/core';

/** What a status query at a time answers for a credential that exists. */
export type CredentialStatusAt = Exclude<CredentialState, 'unknown'>;

export interface CredentialChange {
  status: CredentialStatus;
  at: number;
  reason: string;
  txId: string;
}

/** A practitioner credential as the ledger keeps it: as issued (core's LedgerCredential), with its id, issuance time and every change since. */
export interface LedgerCredential extends IssuedCredential {
  id: string;
  issuedAt: number;
  status: CredentialStatus;
  /** Every change after issuance, oldest first. */
  history: CredentialChange[];
}

/** The transitions issuers may make: suspend an active credential, reinstate a suspended one, revoke either (final). */
export const TRANSITIONS: Readonly<Record<'suspend' | 'reinstate' | 'revoke', { from: CredentialStatus[]; to: CredentialStatus }>> = {
  suspend: { from: ['active'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'active' },
  revoke: { from: ['active', 'suspended'], to: 'revoked' },
};

/**
 * The status at time `at`: revoked from the revocation on (whatever the window);
 * otherwise outside [validFrom, validUntil) not-yet-valid or expired; inside it,
 * the last suspension or reinstatement at or before `at` decides.
 */
export function statusAt(c: LedgerCredential, at: number): CredentialStatusAt {
  const past = c.history.filter((h) => h.at <= at);
  if (past.some((h) => h.status === 'revoked')) return 'revoked';
  if (at < c.validFrom) return 'not-yet-valid';
  if (at >= c.validUntil) return 'expired';
  return past.length > 0 ? past[past.length - 1]!.status : 'active';
}
