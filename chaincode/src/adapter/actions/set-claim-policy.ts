import type { ClaimPolicy } from '../../contracts/claims.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Registers an insurer's account, or changes its policy: the evidence kinds every claim must include (governor only). */
export function setClaimPolicy(port: ChaincodePort, insurer: string, requiredKinds: number[]): Promise<ClaimPolicy> {
  return submitJson(port, DOMAINS.claims, 'claims:SetClaimPolicy', insurer, JSON.stringify(requiredKinds));
}
