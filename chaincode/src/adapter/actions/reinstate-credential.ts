import type { LedgerCredential } from '../../ledger/credentials.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Reinstates a suspended credential (its issuer only). */
export function reinstateCredential(port: ChaincodePort, id: string, reason: string): Promise<LedgerCredential> {
  return submitJson(port, DOMAINS.credentials, 'credentials:ReinstateCredential', id, reason);
}
