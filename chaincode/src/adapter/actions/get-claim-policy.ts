import type { ClaimPolicy } from '../../contracts/claims.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** An insurer's claim policy, or null. */
export function getClaimPolicy(port: ChaincodePort, insurer: string): Promise<ClaimPolicy | null> {
  return evaluateJson(port, DOMAINS.claims, 'claims:GetClaimPolicy', insurer);
}
