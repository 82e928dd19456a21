import { from0x, to0x } from '../hex.js';
import { readCall, type ReadClient } from './client.js';
import { kindsOf } from './kinds-mask.js';

export type ConsentState = 'none' | 'active' | 'expired' | 'revoked';

export interface ConsentStatus {
  status: ConsentState;
  /** Granted kind codes. */
  kinds: number[];
  /** Expiry, ms. */
  expiresAt: number;
  /** Id of the grant's consent leaf, core hex. */
  evidenceId: string;
}

const STATES: readonly ConsentState[] = ['none', 'active', 'expired', 'revoked'];

/** Reads the state of a patient's grant to a grantee now. */
export async function consentStatus(
  client: ReadClient,
  params: { gateway: string; subject: string; grantee: string },
): Promise<ConsentStatus> {
  const [status, kinds, expiresAt, evidenceId] = await readCall<[bigint, bigint, bigint, string]>(
    client,
    'ConsentRegistry',
    'statusOf',
    [to0x(params.gateway, 32, 'gateway'), to0x(params.subject, 32, 'subject'), params.grantee],
  );
  return {
    status: STATES[Number(status)]!,
    kinds: kindsOf(Number(kinds)),
    expiresAt: Number(expiresAt),
    evidenceId: from0x(evidenceId),
  };
}
