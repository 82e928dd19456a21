import { HOP_VERSION, toHex, ZERO32, type Hop, type HopFields, type HopType } from '@evidence/core';
import { SM2_HOPS, type HopCrypto, type HopSigner } from './hop-crypto.js';

/** A node or gateway able to sign hops: its id and SM2 key pair. */
export type { HopSigner } from './hop-crypto.js';

export const ZERO_ID = toHex(ZERO32);

/** Hop 0, signed by the originating gateway. */
export function originHop(signer: HopSigner, requestId: string, next: string, digest: string, ts = Date.now(), crypto: HopCrypto = SM2_HOPS): Hop {
  return crypto.sign(originFields(signer, requestId, next, digest, ts), signer);
}

/** The fields of hop 0, to be signed. */
export function originFields(signer: HopSigner, requestId: string, next: string, digest: string, ts = Date.now()): HopFields {
  return { v: HOP_VERSION, type: 1, requestId, index: 0, node: signer.id, next, ts, digest, prev: ZERO_ID };
}

/** The fields of the hop after `chain`, to be signed (see appendHop). */
export function appendFields(signer: HopSigner, chain: readonly Hop[], prevHash: string, type: HopType, next: string, digest: string, ts = Date.now()): HopFields {
  const last = chain[chain.length - 1]!;
  return { v: HOP_VERSION, type, requestId: last.requestId, index: chain.length, node: signer.id, next, ts, digest, prev: prevHash };
}

/**
 * The next hop of a checked chain. `prevHash` is the hopHash of the last hop
 * (returned by checkChain). `next` is zero on deliver and response hops.
 */
export function appendHop(
  signer: HopSigner,
  chain: readonly Hop[],
  prevHash: string,
  type: HopType,
  next: string,
  digest: string,
  ts = Date.now(),
  crypto: HopCrypto = SM2_HOPS,
): Hop {
  return crypto.sign(appendFields(signer, chain, prevHash, type, next, digest, ts), signer);
}
