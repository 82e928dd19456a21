import { toHex, ZERO32 } from '@evidence/core';
import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';

/** Issuer action: revokes a credential for good. `reason` is a 32-byte digest or code kept off chain. */
export async function revokeCredential(client: WriteClient, params: { credentialId: string; reason?: string }): Promise<TxRef> {
  return sendCall(client, 'CredentialRegistry', 'revoke', [
    to0x(params.credentialId, 32, 'credentialId'),
    to0x(params.reason ?? toHex(ZERO32), 32, 'reason'),
  ]);
}
