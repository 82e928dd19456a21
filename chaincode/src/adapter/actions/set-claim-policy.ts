import type { ClaimPolicy } from '../../contracts/claims.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Sets the caller's (an insurer's) claim policy: the evidence kinds every claim must include. */
export function setClaimPolicy(port: ChaincodePort, requiredKinds: number[]): Promise<ClaimPolicy> {
  return submitJson(port, DOMAINS.claims, 'claims:SetClaimPolicy', JSON.stringify(requiredKinds));
}
