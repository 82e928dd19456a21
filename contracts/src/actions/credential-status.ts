import { CREDENTIAL_STATES, type CredentialState } from '@evidence/core';
import { to0x } from '../hex.js';
import { readCall, type ReadClient } from './client.js';

export type { CredentialState } from '@evidence/core';

/** Reads a credential's status now, or at `at` (ms since the Unix epoch). */
export async function credentialStatus(
  client: ReadClient,
  params: { credentialId: string; at?: number },
): Promise<CredentialState> {
  const id = to0x(params.credentialId, 32, 'credentialId');
  const code =
    params.at === undefined
      ? await readCall<bigint>(client, 'CredentialRegistry', 'status', [id])
      : await readCall<bigint>(client, 'CredentialRegistry', 'statusAt', [id, params.at]);
  return CREDENTIAL_STATES[Number(code)]!;
}
