/**
 * Who may do what. Hospital systems record; courts, regulators, auditors and
 * insurers read proofs; only disclosers and courts see payloads; only
 * administrators erase them.
 */
export const ROLES = ['recorder', 'auditor', 'court', 'regulator', 'insurer', 'discloser', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'evidence:write'
  | 'evidence:read'
  | 'proof:read'
  | 'payload:disclose'
  | 'payload:erase'
  | 'batch:read'
  | 'subscription:manage'
  | 'metrics:read';

const READERS: Role[] = ['recorder', 'auditor', 'court', 'regulator', 'insurer', 'discloser', 'admin'];

export const ROLE_PERMISSIONS: Record<Permission, readonly Role[]> = {
  'evidence:write': ['recorder'],
  'evidence:read': READERS,
  'proof:read': READERS,
  'payload:disclose': ['discloser', 'court'],
  'payload:erase': ['admin'],
  'batch:read': ['auditor', 'court', 'regulator', 'admin'],
  'subscription:manage': ['recorder', 'auditor', 'court', 'regulator', 'insurer', 'admin'],
  // Counters tell what the gateway does and whom it calls: operators and supervisors only (or METRICS_PORT).
  'metrics:read': ['admin', 'auditor', 'regulator'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function allows(roles: readonly Role[], permission: Permission): boolean {
  const allowed = ROLE_PERMISSIONS[permission];
  return roles.some((r) => allowed.includes(r));
}
