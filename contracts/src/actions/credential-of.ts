import { from0x, to0x } from '../hex.js';
import { readCall, type ReadClient } from './client.js';
import type { CredentialRecord } from '@evidence/core';
import { roleName } from './credential-roles.js';

export type { CredentialRecord } from '@evidence/core';

/** Reads a credential as issued, or null when no credential has this id. */
export async function credentialOf(client: ReadClient, params: { credentialId: string }): Promise<CredentialRecord | null> {
  const c = await readCall<{ issuer: string; practitioner: string; licenceDigest: string; validFrom: bigint; validUntil: bigint; role: bigint }>(
    client,
    'CredentialRegistry',
    'credentialOf',
    [to0x(params.credentialId, 32, 'credentialId')],
  );
  if (/^0x0+$/.test(c.issuer)) return null;
  return {
    issuer: from0x(c.issuer),
    practitioner: from0x(c.practitioner),
    role: roleName(Number(c.role)),
    licenceDigest: from0x(c.licenceDigest),
    validFrom: Number(c.validFrom),
    validUntil: Number(c.validUntil),
  };
}
