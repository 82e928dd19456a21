import type { ConsentRecord, ConsentStatus } from '../../ledger/consents.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** The grant from `subject` to `grantee` recorded at `gateway`, with its status now, or null. */
export function getConsent(port: ChaincodePort, gateway: string, subject: string, grantee: string): Promise<(ConsentRecord & { status: ConsentStatus }) | null> {
  return evaluateJson(port, DOMAINS.consent, 'consent:GetConsent', gateway, subject, grantee);
}
