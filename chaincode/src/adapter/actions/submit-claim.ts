import type { ClaimRecord } from '../../contracts/claims.js';
import type { ClaimSubmission } from './types.js';
import { itemForChaincode } from './evidence.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Submits a claim for verification as the caller (the insurer); resolves with the verdict once recorded, or fails with CLAIM_REJECTED and the reason (e.g. CLAIM_NO_CONSENT). */
export function submitClaim(port: ChaincodePort, claim: ClaimSubmission): Promise<ClaimRecord & { verified: true }> {
  return submitJson(port, DOMAINS.claims, 'claims:SubmitClaim', JSON.stringify({ ...claim, items: claim.items.map(itemForChaincode) }));
}
