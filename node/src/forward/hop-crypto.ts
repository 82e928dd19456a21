import { hopHash, signHop, signHopWith, toHex, verifyTrace, verifyTraceWith, type Hop, type HopFields, type KeyLookup, type TraceOptions, type TraceResult } from '@evidence/core';
import type { SignaturePool, VerifyOptions } from '../verify/signature-pool.js';

/** Who signs a hop: a node's or gateway's id and SM2 key pair (declared here, beside the signing, so hops.ts depends on this file and not the other way). */
export interface HopSigner {
  readonly id: string;
  readonly privateKey: string;
  readonly publicKey: string;
}

/**
 * The two cryptographic steps of the hop protocol: signing a hop and
 * verifying a chain. Everything else (linking, checks, forwarding) is the
 * same whichever is used.
 */
export interface HopCrypto {
  sign(fields: HopFields, signer: HopSigner): Hop;
  /** The same hop as sign, signed on `pool`'s threads (inline without one). */
  signOn(pool: SignaturePool | undefined, fields: HopFields, signer: HopSigner): Promise<Hop>;
  verify(hops: readonly Hop[], keys: KeyLookup, options: TraceOptions): TraceResult;
  /** The same verdict as verify, the signatures checked on `pool`'s threads (inline without one). */
  verifyOn(pool: SignaturePool | undefined, hops: readonly Hop[], keys: KeyLookup, options: TraceOptions, how?: VerifyOptions): Promise<TraceResult>;
}

/** SM2 signatures over every hop, every chain verified (spec section 7): what a network runs. */
export const SM2_HOPS: HopCrypto = {
  sign: (fields, signer) => signHop(fields, signer.privateKey, signer.publicKey),
  signOn: async (pool, fields, signer) =>
    pool && pool.size > 0 ? signHopWith(fields, (bytes) => pool.sign(bytes, signer.privateKey)) : signHop(fields, signer.privateKey, signer.publicKey),
  verify: (hops, keys, options) => verifyTrace(hops, keys, options),
  verifyOn: async (pool, hops, keys, options, how) =>
    pool && pool.size > 0 ? verifyTraceWith(hops, keys, options, (checks) => pool.verify(checks, how)) : verifyTrace(hops, keys, options),
};

/**
 * A device's next hop, signed on `pool` while the chain before it is still
 * being checked, and used only if the check passes. Never rejects, since it is
 * left unawaited when the check fails first: undefined when its fields cannot
 * be formed (no route) or signing fails, and the caller then signs after the
 * check, as it would without workers. `fields` runs, and the signature is
 * queued, before this returns: read `pool.idle` before calling it.
 */
export async function signAhead(crypto: HopCrypto, pool: SignaturePool, fields: () => HopFields, signer: HopSigner): Promise<Hop | undefined> {
  try {
    return await crypto.signOn(pool, fields(), signer);
  } catch {
    return undefined;
  }
}

const NO_SIGNATURE = '00'.repeat(64);

/**
 * Signing switched off: zero signatures, nothing verified, hops still built
 * and hash-linked. Only for the routing benchmark's baseline (the same path
 * without SM2); a device running it proves nothing, and a device running
 * SM2_HOPS refuses its chains.
 */
export const UNSIGNED_HOPS_FOR_BENCHMARKS: HopCrypto = {
  sign: (fields) => ({ ...fields, signature: NO_SIGNATURE }),
  signOn: async (_pool, fields) => ({ ...fields, signature: NO_SIGNATURE }),
  verify: (hops) => ({ valid: true, hopHashes: hops.map((h) => toHex(hopHash(h))) }),
  verifyOn: async (_pool, hops) => ({ valid: true, hopHashes: hops.map((h) => toHex(hopHash(h))) }),
};
