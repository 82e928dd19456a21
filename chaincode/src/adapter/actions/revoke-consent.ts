import type { ConsentRecord } from '../../ledger/consents.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Revokes a consent grant (the gateway that recorded it only). */
export function revokeConsent(port: ChaincodePort, id: string): Promise<ConsentRecord> {
  return submitJson(port, DOMAINS.consent, 'consent:RevokeConsent', id);
}
