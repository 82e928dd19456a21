import { CREDENTIAL_ROLES, EvidenceError, type CredentialRole } from '@evidence/core';

export { CREDENTIAL_ROLES, type CredentialRole } from '@evidence/core';

export function roleCode(role: CredentialRole): number {
  const code = (CREDENTIAL_ROLES as Record<string, number | undefined>)[role];
  if (code === undefined) throw new EvidenceError('CREDENTIAL_REJECTED', `unknown practitioner role ${JSON.stringify(role)}`);
  return code;
}

export function roleName(code: number): CredentialRole {
  const entry = Object.entries(CREDENTIAL_ROLES).find(([, c]) => c === code);
  if (!entry) throw new EvidenceError('CREDENTIAL_REJECTED', `unknown practitioner role code ${code}`);
  return entry[0] as CredentialRole;
}
