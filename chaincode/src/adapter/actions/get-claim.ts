import type { ClaimRecord } from '../../contracts/claims.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A verified claim, or null. */
export function getClaim(port: ChaincodePort, id: string): Promise<ClaimRecord | null> {
  return evaluateJson(port, DOMAINS.claims, 'claims:GetClaim', id);
}
