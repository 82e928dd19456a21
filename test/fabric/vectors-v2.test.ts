/**
 * The version 2 vectors (test/vectors/evidence-v2.json, produced by an
 * independent implementation of the spec) through the chaincode's own
 * transactions: SM3 consistency proofs through anchor:VerifyConsistency, every
 * bundle through anchor:VerifyBundle (its own log, checkpoint and cosignature
 * steps, whatever the bundle's algorithm), and the SM3 vector checkpoint
 * anchored with the vector signature, after which the SM3 vector bundles
 * verify online.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, type Checkpoint, type ProofBundleV2 } from '@evidence/core';
import { registerGateway, verifyConsistencyProof, type BundleV2Verification, type FabricAnchor } from '@evidence/chaincode';
import { createEvidenceNetwork, refusalOf, type EvidenceNetwork } from '@evidence/chaincode/testing';
import { v2, type ConsistencyVector } from '../spec/v2-vectors.js';



const proofOf = (v: ConsistencyVector) => v.proof.map((p) => fromHex(p, 32));
const isV2 = (b: unknown): b is ProofBundleV2 => typeof b === 'object' && b !== null && (b as { format?: unknown }).format === 'evidence-proof/2';
const sm3Bundles = v2.bundles.filter((b) => b.valid && isV2(b.bundle) && b.bundle.batch.alg === 'sm3').map((b) => b.bundle as ProofBundleV2);

let net: EvidenceNetwork;
let reader: FabricAnchor;

beforeAll(async () => {
  net = await createEvidenceNetwork();
  reader = net.anchorFor(net.identity('court'));
});

describe('consistency vectors (anchor:VerifyConsistency, SM3)', () => {
  it('has SM3 vectors to check', () => {
    expect(v2.consistency.filter((v) => v.alg === 'sm3').length).toBeGreaterThanOrEqual(2);
  });

  it.each(v2.consistency.filter((v) => v.alg === 'sm3').map((v) => [`${v.first} -> ${v.second}`, v] as const))('the SM3 proof %s holds', async (_name, v) => {
    expect(await verifyConsistencyProof(reader.port, v.first, v.second, v.firstRoot, v.secondRoot, proofOf(v))).toBe(true);
  });

  it('does not take keccak256 proofs for SM3 ones', async () => {
    for (const v of v2.consistency.filter((c) => c.alg === 'keccak256' && c.first < c.second)) {
      expect(await verifyConsistencyProof(reader.port, v.first, v.second, v.firstRoot, v.secondRoot, proofOf(v))).toBe(false);
    }
  });

  it('refuses or rejects the bad vectors: SM3 ones are false, malformed sizes and proofs are refused whatever the algorithm', async () => {
    const check = (v: ConsistencyVector) => verifyConsistencyProof(reader.port, v.first, v.second, v.firstRoot, v.secondRoot, proofOf(v));
    const sm3 = v2.badConsistency.filter((v) => v.alg === 'sm3');
    expect(sm3.length).toBeGreaterThanOrEqual(1);
    for (const v of sm3) expect(await check(v)).toBe(false);
    // Sizes and proof lengths the algorithm of RFC 9162 refuses before hashing, so the hash does not matter.
    const zero = v2.badConsistency.find((v) => v.first === 0)!;
    expect(await refusalOf(check(zero))).toBe('MERKLE_INDEX_OUT_OF_RANGE');
    const equal = v2.badConsistency.find((v) => v.first === v.second && v.proof.length > 0)!;
    expect(await refusalOf(check(equal))).toBe('MERKLE_BAD_PATH_LENGTH');
  });
});

describe('bundle vectors (anchor:VerifyBundle)', () => {
  const verify = async (bundle: unknown) =>
    JSON.parse(Buffer.from(await reader.port.evaluate('anchor:VerifyBundle', JSON.stringify(bundle))).toString()) as BundleV2Verification;

  it.each(v2.bundles.map((b, i) => [i, b] as const))('bundle %i: the offline verdict of the vectors', async (_i, vector) => {
    const bundle = isV2(vector.bundle) ? { ...vector.bundle, disclosure: null } : vector.bundle; // the payload never goes to a peer
    const r = await verify(bundle);
    if (vector.valid) {
      expect(r).toMatchObject({ valid: true });
      expect(r.anchored).toBe(false); // nothing is anchored on this ledger yet
      return;
    }
    if (vector.failsAt === 'disclosure') return; // the disclosure step is the verifier's own: the peer is never sent it
    expect(r).toMatchObject({ valid: false, failedStep: vector.failsAt!.split(':')[0], anchored: false, reason: 'offline-invalid' });
    // The steps version 2 adds name their failure as the vectors do ("log: position", "cosignature: duplicate witness").
    if (/^(log|checkpoint|cosignature)\b/.test(vector.failsAt!)) expect(r.message.startsWith(vector.failsAt!)).toBe(true);
  });
});

describe('the SM3 vector checkpoint anchored', () => {
  beforeAll(async () => {
    const b = sm3Bundles[0]!;
    const identity = net.identity('gateway-vector');
    await registerGateway(net.governorPort, { id: b.batch.gateway, publicKey: b.log.signature.publicKey, account: await net.accountOf(identity) });
    // The vector's own checkpoint and signature, the gateway's first: no proof.
    await net.anchorFor(identity).anchorSignedCheckpoint(b.log.checkpoint as Checkpoint, fromHex(b.log.signature.value, 64), []);
  });

  it('verifies every SM3 vector bundle online', async () => {
    expect(sm3Bundles.length).toBeGreaterThanOrEqual(2);
    for (const bundle of sm3Bundles) {
      const r = await reader.verifyBundle(bundle);
      expect(r).toMatchObject({ valid: true, anchored: true, checkpointIndex: 0, gatewayActive: true });
    }
  });
});
