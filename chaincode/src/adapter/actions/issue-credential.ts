import type { LedgerCredential } from '../../ledger/credentials.js';
import type { CredentialIssue } from './types.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Issues a practitioner credential as the issuing institution's gateway identity. */
export function issueCredential(port: ChaincodePort, credential: CredentialIssue): Promise<LedgerCredential> {
  return submitJson(port, DOMAINS.credentials, 'credentials:IssueCredential', JSON.stringify(credential));
}
