import { to0x } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { roleCode, type CredentialRole } from './credential-roles.js';

export interface IssueCredentialParams {
  /** A fresh credential id, 32 bytes core hex. */
  credentialId: string;
  /** The issuing institution's gateway id; the signer must be its account. */
  issuer: string;
  /** The practitioner's pseudonymous id, 32 bytes core hex. */
  practitioner: string;
  role: CredentialRole;
  /** SM3 digest of the licence document, core hex. */
  licenceDigest: string;
  /** Validity window, ms since the Unix epoch; validUntil is exclusive. */
  validFrom: number;
  validUntil: number;
}

/** Institution action: issues a practitioner credential on CredentialRegistry. */
export async function issueCredential(client: WriteClient, params: IssueCredentialParams): Promise<TxRef> {
  return sendCall(client, 'CredentialRegistry', 'issue', [
    to0x(params.credentialId, 32, 'credentialId'),
    to0x(params.issuer, 32, 'issuer'),
    to0x(params.practitioner, 32, 'practitioner'),
    roleCode(params.role),
    to0x(params.licenceDigest, 32, 'licenceDigest'),
    params.validFrom,
    params.validUntil,
  ]);
}
