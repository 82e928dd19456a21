import { envelope as env, HOP_TYPE, type Hop, type KeyLookup } from '@evidence/core';
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
  if (key === undefined || !env.verifyEnvelopeSignature(envelope, requestContext(destination, hops), sig, key)) {
    const last = hops.length - 1;
    throw new RoutingError('ENVELOPE_MISMATCH', `hop ${last}: envelope (not the envelope hop 0's signer sealed for ${destination.institution}/${destination.service})`, {
      hop: last,
      check: 'envelope',
      node: hops[last]!.node,
    });
  }
}

/**
 * The same check on the way back: the response envelope must carry the
 * signature of the gateway that signed the deliver hop. Undefined when it
 * does; otherwise why not (the answering next hop is to blame).
 */
export function sealedResponseProblem(sealed: Sealed, destination: Destination, trace: readonly Hop[], keys: KeyLookup): string | undefined {
  const deliver = trace[trace.length - 2];
  if (!deliver || deliver.type !== HOP_TYPE.deliver) return 'the trace does not end deliver, response';
  const key = keys(deliver.node);
  const { envelope, sig } = splitSealed(sealed);
  if (key === undefined || !env.verifyEnvelopeSignature(envelope, responseContext(destination, trace), sig, key)) {
    return 'the response envelope is not the one the deliverer sealed';
  }
  return undefined;
}
