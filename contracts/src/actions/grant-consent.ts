import type { Leaf } from '@evidence/core';
import { leafTuple, proofTuple, type EvidenceLocation } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { kindsMask } from './kinds-mask.js';

export interface GrantConsentParams {
  /** The anchored `consent` (kind 9) leaf recording the patient's grant; its subject is the patient. */
  consent: Leaf;
  /** Where that leaf is anchored (batch seq of its gateway and the inclusion proof). */
  location: EvidenceLocation;
  /** The grantee's (an insurer's) EVM account. */
  grantee: string;
  /** Evidence kinds granted, by name or code. */
  kinds: readonly (string | number)[];
  /** Expiry, ms since the Unix epoch. */
  expiresAt: number;
}

/** Gateway action: records a patient's grant on ConsentRegistry (the signer is the gateway's account). */
export async function grantConsent(client: WriteClient, params: GrantConsentParams): Promise<TxRef> {
  return sendCall(client, 'ConsentRegistry', 'grant', [
    leafTuple(params.consent),
    proofTuple(params.location),
    params.grantee,
    kindsMask(params.kinds),
    params.expiresAt,
  ]);
}
