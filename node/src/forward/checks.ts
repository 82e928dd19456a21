import type { Hop, KeyLookup } from '@evidence/core';
import { RoutingError } from '../errors.js';
import type { ForwardRequest } from './protocol.js';
import type { SignaturePool } from '../verify/signature-pool.js';
import { checkSealedRequest, envelopeSignatureCheck } from './sealed.js';

/**
 * The checks a routing node makes of a request it forwards, named in its
 * metrics (evidence_node_checks_total), in the traces it serves and in the
 * answer passed back (`checks`). Hop bytes (spec section 7) have no room for
 * them; they are the node's statement, not signed evidence.
 */
export const CHECKS = {
  structure: 'hop structure (index, prev links, types, node links, hop limit, loop)',
  signatures: 'hop signatures against registered keys',
  digests: 'every hop signs the same request digest',
  requestDigest: 'request digest recomputed from the request in clear',
  envelope: 'envelope signed by hop 0\'s signer for this destination',
  tlsPeer: 'TLS peer is the last hop\'s signer',
} as const;
export type CheckName = keyof typeof CHECKS;

export function checksMade(sealed: boolean, tls: boolean): CheckName[] {
  const made: CheckName[] = ['structure', 'signatures', 'digests', sealed ? 'envelope' : 'requestDigest'];
  if (tls) made.push('tlsPeer');
  return made;
}

/** True for a sealed request; refuses neither or both of request and sealed, and a request in clear where it is not allowed. */
export function sealedOrClear(req: ForwardRequest, allowClear: boolean): boolean {
  if ((req.request === undefined) === (req.sealed === undefined)) {
    throw new RoutingError('ENVELOPE_REQUIRED', 'a forwarded request carries exactly one of request (in clear) and sealed');
  }
  if (req.request !== undefined && !allowClear) {
    throw new RoutingError('ENVELOPE_REQUIRED', 'requests travel sealed to their destination on this network; this device forwards none in clear');
  }
  return req.sealed !== undefined;
}

/** checkSealedRequest with the sender named as the chain check names it (the device on the TLS link). */
export function checkSealedEnvelope(req: ForwardRequest, keys: KeyLookup, peer: string | undefined): void {
  try {
    checkSealedRequest(req.sealed!, req.destination, req.hops as Hop[], keys);
  } catch (e) {
    throw withLinkSender(e, peer);
  }
}

/** A refusal naming the device on the TLS link as its sender (none on a plain link). */
export function withLinkSender(e: unknown, peer: string | undefined): unknown {
  if (e instanceof RoutingError && e.blame && peer !== undefined) return new RoutingError(e.code, e.message, { ...e.blame, sender: peer });
  return e;
}

/** Whether the envelope carries hop 0's signer's signature, checked on a worker; never rejects. */
export async function envelopeOnPool(pool: SignaturePool, req: ForwardRequest, keys: KeyLookup): Promise<boolean> {
  const check = envelopeSignatureCheck(req.sealed!, req.destination, req.hops as Hop[], keys);
  if (!check) return false;
  try {
    return (await pool.verify([check], { shareWithCaller: false }))[0] === true;
  } catch {
    return false;
  }
}
