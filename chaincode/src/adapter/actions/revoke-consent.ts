import type { ConsentRecord } from '../../ledger/consents.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Revokes a patient's grant to a grantee, for every kind, at once (the recording gateway only). */
export function revokeConsent(port: ChaincodePort, revocation: { gateway: string; subject: string; grantee: string; evidenceId?: string }): Promise<ConsentRecord> {
  return submitJson(port, DOMAINS.consent, 'consent:RevokeConsent', JSON.stringify(revocation));
}
