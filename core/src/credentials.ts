/**
 * The practitioner-credential vocabulary every part shares: the gateway's
 * routes, the EVM CredentialRegistry actions (contracts) and the Fabric
 * chaincode. Declared here once so a role or state added in one place cannot
 * be missing, or mean something else, in another.
 */

/** Practitioner roles a credential may name, with the code CredentialRegistry stores (uint8). */
export const CREDENTIAL_ROLES = { doctor: 1, pharmacist: 2, nurse: 3, technician: 4 } as const;
export type CredentialRole = keyof typeof CREDENTIAL_ROLES;

/** The role names, in code order (the chaincode checks a role against these). */
export const CREDENTIAL_ROLE_NAMES = Object.keys(CREDENTIAL_ROLES) as readonly CredentialRole[];

/** What an issuer decided last: the status a ledger keeps for a credential. */
export type CredentialStatus = 'active' | 'suspended' | 'revoked';

/**
 * A credential's state at a moment, as both registries answer it: the
 * issuer's last decision, or outside its validity window not-yet-valid or
 * expired; `unknown` when no credential has that id. The order is
 * CredentialRegistry's status codes (0..5).
 */
export const CREDENTIAL_STATES = ['unknown', 'active', 'suspended', 'revoked', 'not-yet-valid', 'expired'] as const;
export type CredentialState = (typeof CREDENTIAL_STATES)[number];

/** A credential as issued (the issuer's later decisions are in its state). */
export interface CredentialRecord {
  /** The issuing institution's gateway id, hex. */
  issuer: string;
  /** The practitioner's pseudonymous id (32 bytes, hex). */
  practitioner: string;
  role: CredentialRole;
  /** SM3 digest of the licence document (32 bytes, hex). */
  licenceDigest: string;
  /** Validity window, ms since the Unix epoch; validUntil is exclusive. */
  validFrom: number;
  validUntil: number;
}

export function isCredentialRole(role: unknown): role is CredentialRole {
  return typeof role === 'string' && Object.hasOwn(CREDENTIAL_ROLES, role);
}
