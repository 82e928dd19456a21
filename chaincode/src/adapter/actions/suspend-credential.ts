import type { LedgerCredential } from '../../ledger/credentials.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Suspends an active credential (its issuer only). */
export function suspendCredential(port: ChaincodePort, id: string, reason: string): Promise<LedgerCredential> {
  return submitJson(port, DOMAINS.credentials, 'credentials:SuspendCredential', id, reason);
}
