import type { ConsentRecord } from '../../ledger/consents.js';
import type { ConsentGrant } from './types.js';
import { itemForChaincode } from './evidence.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Records a patient's consent grant, proven by its anchored `consent` leaf (the patient's gateway only). */
export function grantConsent(port: ChaincodePort, grant: ConsentGrant): Promise<ConsentRecord> {
  return submitJson(port, DOMAINS.consent, 'consent:GrantConsent', JSON.stringify({ ...grant, evidence: itemForChaincode(grant.evidence) }));
}
