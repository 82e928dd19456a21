import type { CredentialStatusAt } from '../../ledger/credentials.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A credential's status at time `at` (ms since the epoch); "unknown" when it was never issued. */
export function credentialStatusAt(
  port: ChaincodePort,
  id: string,
  at: number,
): Promise<{ id: string; at: number; status: CredentialStatusAt | 'unknown'; role?: string; issuer?: string; practitioner?: string }> {
  return evaluateJson(port, DOMAINS.credentials, 'credentials:CredentialStatusAt', id, String(at));
}
