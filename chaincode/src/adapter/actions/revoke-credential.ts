import type { LedgerCredential } from '../../ledger/credentials.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Revokes a credential for good (its issuer only). */
export function revokeCredential(port: ChaincodePort, id: string, reason: string): Promise<LedgerCredential> {
  return submitJson(port, DOMAINS.credentials, 'credentials:RevokeCredential', id, reason);
}
