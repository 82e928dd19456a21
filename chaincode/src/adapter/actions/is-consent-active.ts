import type { ConsentStatus } from '../../ledger/consents.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Whether the grant from `subject` to `grantee` at `gateway` is active now and covers evidence kind `kind`. */
export function isConsentActive(
  port: ChaincodePort,
  gateway: string,
  subject: string,
  grantee: string,
  kind: number,
): Promise<{ active: boolean; status: ConsentStatus; expiresAt: number | null }> {
  return evaluateJson(port, DOMAINS.consent, 'consent:IsConsentActive', gateway, subject, grantee, String(kind));
}
