import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';

export interface RevokeConsentParams {
  gateway: string;
  subject: string;
  grantee: string;
  /** Id of the consent leaf recording the revocation (anchored with the gateway's next batch). */
  evidenceId: string;
}

/** Gateway action: revokes a patient's grant at once. */
export async function revokeConsent(client: WriteClient, params: RevokeConsentParams): Promise<TxRef> {
  return sendCall(client, 'ConsentRegistry', 'revoke', [
    to0x(params.gateway, 32, 'gateway'),
    to0x(params.subject, 32, 'subject'),
    params.grantee,
    to0x(params.evidenceId, 16, 'evidenceId'),
  ]);
}
