import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';

/** Issuer action: reinstates a suspended credential. */
export async function reinstateCredential(client: WriteClient, params: { credentialId: string }): Promise<TxRef> {
  return sendCall(client, 'CredentialRegistry', 'reinstate', [to0x(params.credentialId, 32, 'credentialId')]);
}
