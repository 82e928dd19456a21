import type { LedgerCredential, CredentialStatusAt } from '../../ledger/credentials.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A credential with its status now, or null. */
export function getCredential(port: ChaincodePort, id: string): Promise<(LedgerCredential & { statusNow: CredentialStatusAt }) | null> {
  return evaluateJson(port, DOMAINS.credentials, 'credentials:GetCredential', id);
}
