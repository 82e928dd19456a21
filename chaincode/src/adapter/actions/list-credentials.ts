import type { LedgerCredential, CredentialStatusAt } from '../../ledger/credentials.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Every credential of a practitioner, each with its status now. */
export function listCredentials(port: ChaincodePort, practitioner: string): Promise<(LedgerCredential & { statusNow: CredentialStatusAt })[]> {
  return evaluateJson(port, DOMAINS.credentials, 'credentials:ListCredentials', practitioner);
}
