import { hopHash, signHop, toHex, verifyTrace, type Hop, type HopFields, type KeyLookup, type TraceOptions, type TraceResult } from '@evidence/core';
import type { HopSigner } from './hops.js';

/**
 * The two cryptographic steps of the hop protocol: signing a hop and
 * verifying a chain. Everything else (linking, checks, forwarding) is the
 * same whichever is used.
 */
export interface HopCrypto {
  sign(fields: HopFields, signer: HopSigner): Hop;
  verify(hops: readonly Hop[], keys: KeyLookup, options: TraceOptions): TraceResult;
}

/** SM2 signatures over every hop, every chain verified (spec section 7): what a network runs. */
export const SM2_HOPS: HopCrypto = {
  sign: (fields, signer) => signHop(fields, signer.privateKey, signer.publicKey),
  verify: (hops, keys, options) => verifyTrace(hops, keys, options),
};

const NO_SIGNATURE = '00'.repeat(64);

/**
 * Signing switched off: zero signatures, nothing verified, hops still built
 * and hash-linked. Only for the routing benchmark's baseline (the same path
 * without SM2); a device running it proves nothing, and a device running
 * SM2_HOPS refuses its chains.
 */
export const UNSIGNED_HOPS_FOR_BENCHMARKS: HopCrypto = {
  sign: (fields) => ({ ...fields, signature: NO_SIGNATURE }),
  verify: (hops) => ({ valid: true, hopHashes: hops.map((h) => toHex(hopHash(h))) }),
};
