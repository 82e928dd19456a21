import type { ConsentRecord } from '../../ledger/consents.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A consent grant with whether it is active now, or null. */
export function getConsent(port: ChaincodePort, id: string): Promise<(ConsentRecord & { active: boolean }) | null> {
  return evaluateJson(port, DOMAINS.consent, 'consent:GetConsent', id);
}
