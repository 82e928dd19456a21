import type { Leaf } from '@evidence/core';
import { leafTuple, logTuple, proofTuple, type EvidenceLocation } from '../hex.js';
import { sendCall, type TxRef, type WriteClient } from './client.js';
import { kindsMask } from './kinds-mask.js';

export interface GrantConsentParams {
  /** The anchored `consent` (kind 9) leaf recording the patient's grant; its subject is the patient. */
  consent: Leaf;
  /**
   * Where that leaf is anchored (batch seq of its gateway and the inclusion
   * proof); with `log` (a version 2 bundle: locationOf) its batch is proven
   * through an anchored checkpoint instead of a per-batch anchor.
   */
  location: EvidenceLocation;
  /** The grantee's (an insurer's) EVM account. */
  grantee: string;
  /** Evidence kinds granted, by name or code. */
  kinds: readonly (string | number)[];
  /** Expiry, ms since the Unix epoch. */
  expiresAt: number;
}

/**
 * Gateway action: records a patient's grant on ConsentRegistry (the signer is
 * the gateway's account): `grant` for a leaf whose batch is anchored on its
 * own, `grantViaCheckpoint` when the location carries `log`.
 */
export async function grantConsent(client: WriteClient, params: GrantConsentParams): Promise<TxRef> {
  const { location } = params;
  const leaf = leafTuple(params.consent);
  const proof = proofTuple(location);
  const tail = [params.grantee, kindsMask(params.kinds), params.expiresAt];
  return location.log
    ? sendCall(client, 'ConsentRegistry', 'grantViaCheckpoint', [leaf, proof, logTuple(location.log), ...tail])
    : sendCall(client, 'ConsentRegistry', 'grant', [leaf, proof, ...tail]);
}
