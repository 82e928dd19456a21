import { envelope as env, fromHex, HOP_TYPE, sm2Verify, type Hop, type HopSignatureCheck, type KeyLookup } from '@evidence/core';
import { RoutingError } from '../errors.js';
import type { Sealed } from './protocol.js';

type Destination = { institution: string; service: string };

/** The context a request envelope is bound to: the destination and hop 0's request id, signer and digest. */
export function requestContext(destination: Destination, hops: readonly Hop[]): env.EnvelopeContext {
  const first = hops[0]!;
  return { direction: 'request', ...destination, requestId: first.requestId, origin: first.node, digest: first.digest };
}

/** The context of the response envelope: the same request, the response hop's digest. */
export function responseContext(destination: Destination, hops: readonly Hop[]): env.EnvelopeContext {
  return { ...requestContext(destination, hops), direction: 'response', digest: hops[hops.length - 1]!.digest };
}

export function splitSealed(sealed: Sealed): { envelope: env.Envelope; sig: string } {
  const { sig, ...envelope } = sealed;
  return { envelope, sig };
}

export function withSignature(envelope: env.Envelope, sig: string): Sealed {
  return { ...envelope, sig } as Sealed;
}

/**
 * What a routing node (and the destination) checks of a sealed request it
 * cannot read: the origin's signature over the envelope and its context,
 * against the registered key of hop 0's signer. A swapped envelope, or one
 * moved to another destination, fails here; the refusal blames the last hop
 * (whoever handed it over; the chain check adds the sender).
 */
export function checkSealedRequest(sealed: Sealed, destination: Destination, hops: readonly Hop[], keys: KeyLookup): void {
  const key = keys(hops[0]!.node);
  const { envelope, sig } = splitSealed(sealed);
  if (key === undefined || !env.verifyEnvelopeSignature(envelope, requestContext(destination, hops), sig, key)) throw envelopeMismatch(destination, hops);
}

/** The refusal of an envelope hop 0's signer did not seal for this destination: the last hop handed it over. */
export function envelopeMismatch(destination: Destination, hops: readonly Hop[]): RoutingError {
  const last = hops.length - 1;
  return new RoutingError('ENVELOPE_MISMATCH', `hop ${last}: envelope (not the envelope hop 0's signer sealed for ${destination.institution}/${destination.service})`, {
    hop: last,
    check: 'envelope',
    node: hops[last]!.node,
  });
}

/**
 * The envelope's signature as one more signature check (for a worker pool,
 * beside the hops'); undefined when it cannot even be formed (an unknown
 * signer, a malformed envelope): the envelope is then refused.
 */
export function envelopeSignatureCheck(sealed: Sealed, destination: Destination, hops: readonly Hop[], keys: KeyLookup): HopSignatureCheck | undefined {
  const key = keys(hops[0]!.node);
  if (key === undefined) return undefined;
  try {
    const { envelope, sig } = splitSealed(sealed);
    return { hop: 0, message: env.envelopeSigningBytes(envelope, requestContext(destination, hops)), signature: fromHex(sig, 64, 'sig'), key };
  } catch {
    return undefined;
  }
}

/**
 * The same check on the way back: the response envelope must carry the
 * signature of the gateway that signed the deliver hop. Undefined when it
 * does; otherwise why not (the answering next hop is to blame).
 */
export async function sealedResponseProblem(
  sealed: Sealed,
  destination: Destination,
  trace: readonly Hop[],
  keys: KeyLookup,
  verify: (check: HopSignatureCheck) => Promise<boolean> = async (c) => sm2Verify(c.message, c.signature, c.key),
): Promise<string | undefined> {
  const deliver = trace[trace.length - 2];
  if (!deliver || deliver.type !== HOP_TYPE.deliver) return 'the trace does not end deliver, response';
  const key = keys(deliver.node);
  let check: HopSignatureCheck | undefined;
  try {
    const { envelope, sig } = splitSealed(sealed);
    if (key !== undefined) check = { hop: trace.length - 1, message: env.envelopeSigningBytes(envelope, responseContext(destination, trace)), signature: fromHex(sig, 64, 'sig'), key };
  } catch {
    check = undefined;
  }
  if (!check || !(await verify(check))) return 'the response envelope is not the one the deliverer sealed';
  return undefined;
}
