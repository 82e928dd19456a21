import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Whether `subject` has an active grant to `grantee` covering evidence kind `kind` now. */
export function isConsentActive(port: ChaincodePort, subject: string, grantee: string, kind: number): Promise<{ active: boolean; id?: string; expiresAt?: number }> {
  return evaluateJson(port, DOMAINS.consent, 'consent:IsConsentActive', subject, grantee, String(kind));
}
