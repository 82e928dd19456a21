import { encodeHop, fromHex, HOP_TYPE, requestDigest, sm2Verify, toHex, traceStructure, type Hop, type KeyLookup, type TraceResult } from '@evidence/core';
import type { SignaturePool, VerifyOptions } from '../verify/signature-pool.js';
import { RoutingError, type HopBlame } from '../errors.js';
import { SM2_HOPS, type HopCrypto } from './hop-crypto.js';

/** The request as the destination service will receive it; the digest of spec section 7 covers exactly this. */
export interface ForwardedRequest {
  method: string;
  /** Request target at the destination service, query string included, e.g. "/patients/42?scope=lab". */
  path: string;
  /** A JSON value; absent means no body. */
  body?: unknown;
}

export interface ChainCheck {
  /** The chain received so far: origin, forward*. Every field is attacker-controlled. */
  hops: readonly Hop[];
  /** Id of the node or gateway checking it: the chain must hand the request to it. */
  self: string;
  /**
   * The request in clear, when the receiver can read it (the destination, or
   * any device on a development link without envelopes): its digest must be
   * the one the chain signs. Routing nodes forwarding an envelope cannot
   * compute it: they check that every hop signs the same digest.
   */
  request?: ForwardedRequest;
  /**
   * The device at the other end of the mutual TLS link (its certificate's
   * id): it must be the signer of the last hop, and it is the sender a
   * refusal names. Absent on a plain link.
   */
  peer?: string;
  /** Registered keys of every signer in the chain. */
  keys: KeyLookup;
  /** The longest chain this receiver accepts before adding its own hop. */
  maxHops: number;
  /** When given, refuse an origin hop older than this (bounds replay windows). */
  maxAgeMs?: number;
  now?: number;
  crypto?: HopCrypto;
}

/**
 * What a routing node (or the destination gateway) checks before adding its
 * hop. Cheap checks first, so a forged 10 000-hop chain costs no signature
 * verification. Throws a RoutingError naming the hop to blame; returns the
 * hop hashes, the last of which the receiver's hop links to.
 */
export function checkChain(c: ChainCheck): string[] {
  try {
    checkLength(c);
    return checkRest(c, (c.crypto ?? SM2_HOPS).verify(c.hops, c.keys, { complete: false }));
  } catch (e) {
    throw withSender(e, c);
  }
}

/**
 * checkChain with the signatures checked on a worker pool (all at once; inline
 * without a pool): the same checks, the same refusals, the same hop blamed.
 */
export async function checkChainOn(pool: SignaturePool | undefined, c: ChainCheck, how?: VerifyOptions): Promise<string[]> {
  try {
    checkLength(c);
    return checkRest(c, await (c.crypto ?? SM2_HOPS).verifyOn(pool, c.hops, c.keys, { complete: false }, how));
  } catch (e) {
    throw withSender(e, c);
  }
}

/** Whether the chain passes every check but its signatures: synchronous and cheap (no SM2). */
export function passesCheapChecks(c: ChainCheck): boolean {
  try {
    checkLength(c);
    checkRest(c, traceStructure(c.hops, c.keys, { complete: false }).verdict);
    return true;
  } catch {
    return false;
  }
}

/**
 * Names who handed the chain over: the authenticated TLS peer; on a plain
 * link, the last hop's signer when its signature verifies, except for a body
 * (or envelope) that does not match the chain: a signed chain can be copied
 * and replayed with another body by anyone, so on a plain link that sender
 * is unknown and nobody is named.
 */
function withSender(e: unknown, c: ChainCheck): unknown {
  if (!(e instanceof RoutingError) || !e.blame || c.hops.length === 0 || e.blame.sender !== undefined) return e;
  if (c.peer !== undefined) return new RoutingError(e.code, e.message, { ...e.blame, sender: c.peer } satisfies HopBlame);
  if (e.code === 'HOP_DIGEST_MISMATCH' && e.blame.hop === c.hops.length - 1) return e;
  const sender = verifiedSigner(c.hops[c.hops.length - 1]!, c.keys);
  if (sender !== undefined) return new RoutingError(e.code, e.message, { ...e.blame, sender } satisfies HopBlame);
  return e;
}

/** The hop's node, if the hop carries a valid signature of that node's registered key. */
function verifiedSigner(hop: Hop, keys: KeyLookup): string | undefined {
  try {
    const key = keys(hop.node);
    return key !== undefined && sm2Verify(encodeHop(hop), fromHex(hop.signature, 64), key) ? hop.node : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses a chain at its hop limit, before any signature work. */
function checkLength(c: ChainCheck): void {
  const { hops } = c;
  if (hops.length === 0) throw new RoutingError('HOP_INVALID', 'hop 0: incomplete (no origin hop)', { hop: 0, check: 'incomplete' });
  if (hops.length >= c.maxHops) {
    throw new RoutingError('ROUTE_HOP_LIMIT', `the chain already has ${hops.length} hops; this receiver accepts at most ${c.maxHops - 1}`, {
      hop: hops.length - 1,
      node: hops[hops.length - 1]!.node,
    });
  }
}

/** Given the trace verdict: what the receiver checks of a chain that verifies. */
function checkRest(c: ChainCheck, result: TraceResult): string[] {
  const { hops, self } = c;
  if (!result.valid) {
    throw new RoutingError('HOP_INVALID', result.message, { hop: result.hop, check: result.check, node: hops[result.hop]?.node });
  }
  const lastIndex = hops.length - 1;
  const last = hops[lastIndex]!;
  if (last.type !== HOP_TYPE.origin && last.type !== HOP_TYPE.forward) {
    throw new RoutingError('HOP_INVALID', `hop ${lastIndex}: type order (a ${last.type === HOP_TYPE.deliver ? 'deliver' : 'response'} hop cannot be forwarded)`, {
      hop: lastIndex,
      check: 'type order',
      node: last.node,
    });
  }
  if (last.next !== self) {
    throw new RoutingError('HOP_MISDIRECTED', `hop ${lastIndex}: next (the request is addressed to ${last.next}, not to this receiver)`, {
      hop: lastIndex,
      check: 'next',
      node: last.node,
    });
  }
  if (c.peer !== undefined && c.peer !== last.node) {
    // A chain relayed or replayed by a device other than the one whose hop hands it here.
    throw new RoutingError('HOP_SENDER_MISMATCH', `hop ${lastIndex}: sender (signed by ${last.node}, handed over by ${c.peer} on the TLS link)`, {
      hop: lastIndex,
      check: 'sender',
      node: last.node,
      sender: c.peer,
    });
  }
  const seen = hops.findIndex((h) => h.node === self);
  if (seen >= 0) {
    throw new RoutingError('ROUTE_LOOP', `hop ${seen}: this receiver already signed this request; forwarding it again would loop`, {
      hop: lastIndex,
      check: 'loop',
      node: last.node,
    });
  }
  if (c.maxAgeMs !== undefined) {
    const age = (c.now ?? Date.now()) - hops[0]!.ts;
    if (age > c.maxAgeMs) {
      throw new RoutingError('HOP_INVALID', `hop 0: expired (the origin hop is ${age} ms old)`, { hop: 0, check: 'expired', node: hops[0]!.node });
    }
  }

  // The digest: every request hop must sign the same one, and it must be the
  // digest of the request actually received. The first hop whose digest
  // differs from its predecessor's changed the request; if they all agree but
  // the request does not match, the last signer handed over a different body.
  for (let i = 1; i < hops.length; i++) {
    if (hops[i]!.digest !== hops[0]!.digest) {
      throw new RoutingError('HOP_DIGEST_MISMATCH', `hop ${i}: digest (signs a request other than the origin's)`, {
        hop: i,
        check: 'digest',
        node: hops[i]!.node,
      });
    }
  }
  if (c.request === undefined) return result.hopHashes;
  const received = toHex(requestDigest(c.request.method, c.request.path, c.request.body));
  if (received !== last.digest) {
    throw new RoutingError('HOP_DIGEST_MISMATCH', `hop ${lastIndex}: digest (the request received is not the one the chain signed after hop ${lastIndex}; its sender changed it)`, {
      hop: lastIndex,
      check: 'digest',
      node: last.node,
    });
  }
  return result.hopHashes;
}
