/** Roles a practitioner credential may name. */
export const CREDENTIAL_ROLES = ['doctor', 'pharmacist', 'nurse', 'technician'] as const;
export type CredentialRole = (typeof CREDENTIAL_ROLES)[number];

export type CredentialStatus = 'active' | 'suspended' | 'revoked';

/** What a status query at a time answers. */
export type CredentialStatusAt = CredentialStatus | 'not-yet-valid' | 'expired';

export interface CredentialChange {
  status: CredentialStatus;
  at: number;
  reason: string;
  txId: string;
}

/** A practitioner credential issued by an institution (a registered gateway). */
export interface CredentialRecord {
  id: string;
  /** The issuing institution's gateway id. */
  issuer: string;
  /** The practitioner's pseudonymous id (32 bytes, hex). */
  practitioner: string;
  role: CredentialRole;
  /** SM3 digest of the licence document (32 bytes, hex). */
  licenceDigest: string;
  validFrom: number;
  validUntil: number;
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
export function statusAt(c: CredentialRecord, at: number): CredentialStatusAt {
  const past = c.history.filter((h) => h.at <= at);
  if (past.some((h) => h.status === 'revoked')) return 'revoked';
  if (at < c.validFrom) return 'not-yet-valid';
  if (at >= c.validUntil) return 'expired';
  return past.length > 0 ? past[past.length - 1]!.status : 'active';
}
