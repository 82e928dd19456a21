/**
 * The one conformance suite of the Anchor port (core/src/ports/anchor.ts).
 * Every adapter (EVM in contracts/, Fabric in chaincode/) runs it:
 *
 *   describeAnchorConformance('EVM adapter', async () => ({ ...fixture }));
 *
 * It checks the rules of spec section 6 as the adapter exposes them: ordered
 * seq, prev links, the gateway's own account only, the batch algorithm, typed
 * refusals with ANCHOR_* codes, lookups, key history and the online bundle check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAnchor,
  encodeLeaf,
  generateSm2KeyPair,
  headerHash,
  isEvidenceError,
  MerkleTree,
  signHeader,
  toHex,
  ZERO32,
  type Anchor,
  type BatchHeader,
  type HashAlg,
  type Leaf,
  type ProofBundle,
} from '@evidence/core';

export interface AnchorFixture {
  /** keccak256 for EVM chains, sm3 for Fabric. */
  alg: HashAlg;
  /** A gateway registered with `anchor`'s account and this SM2 key, with no batch yet. */
  gateway: { id: string; privateKey: string; publicKey: string };
  /** The adapter acting as the gateway's registered account. */
  anchor: Anchor;
  /** The same adapter acting as an account that is not this gateway's. */
  intruder: Anchor;
  /** Whether the anchor itself verifies the SM2 header signature (Fabric does, EVM cannot cheaply). */
  verifiesSignature: boolean;
  /** Rotates the gateway's registered key (a governor action); effective from the next seq. */
  rotateKey: (newPublicKey: string) => Promise<void>;
  close?: () => Promise<void>;
}

export async function expectAnchorError(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isEvidenceError(e)) throw new Error(`expected EvidenceError ${code}, got ${String(e)}`);
    expect(e.code).toBe(code);
    return;
  }
  throw new Error(`expected a refusal with ${code}, but the call succeeded`);
}

export interface SignedBatch {
  header: BatchHeader;
  signature: Uint8Array;
  tree: MerkleTree;
  leaves: Leaf[];
}

/** Builds and signs a batch of `size` synthetic leaves for a gateway. */
export function makeSignedBatch(
  alg: HashAlg,
  gateway: { id: string; privateKey: string; publicKey: string },
  seq: number,
  prev: string,
  size = 3,
): SignedBatch {
  const leaves: Leaf[] = Array.from({ length: size }, (_, i) => ({
    v: 1,
    kind: 1 + ((seq + i) % 12),
    id: (seq * 1000 + i).toString(16).padStart(32, '0'),
    gateway: gateway.id,
    subject: 'ab'.repeat(32),
    ts: 1_763_800_000_000 + seq * 1000 + i,
    commitment: (seq * 1000 + i + 1).toString(16).padStart(64, '0'),
  }));
  const tree = MerkleTree.fromLeaves(alg, leaves.map(encodeLeaf));
  const header: BatchHeader = {
    v: 1,
    gateway: gateway.id,
    seq,
    alg,
    size,
    root: toHex(tree.root),
    prev,
    closedAt: 1_763_800_100_000 + seq,
  };
  return { header, signature: signHeader(header, gateway.privateKey, gateway.publicKey), tree, leaves };
}

export function bundleFor(batch: SignedBatch, index: number, publicKey: string): ProofBundle {
  return {
    format: 'evidence-proof/1',
    leaf: batch.leaves[index]!,
    disclosure: null,
    inclusion: { index, size: batch.header.size, path: batch.tree.proof(index).map(toHex) },
    batch: batch.header,
    signature: { alg: 'sm2', publicKey, value: toHex(batch.signature) },
    anchor: null,
  };
}

export function describeAnchorConformance(name: string, setup: () => Promise<AnchorFixture>): void {
  describe(`Anchor port conformance: ${name}`, () => {
    let f: AnchorFixture;
    const batches: SignedBatch[] = [];
    const zero = toHex(ZERO32);

    beforeAll(async () => {
      f = await setup();
    });
    afterAll(async () => {
      await f?.close?.();
    });

    it('has no batch before the first anchor', async () => {
      expect(await f.anchor.latest(f.gateway.id)).toBeNull();
      expect(await f.anchor.batch(f.gateway.id, 0)).toBeNull();
      expect(await f.anchor.keyAt(f.gateway.id, 0)).toBe(f.gateway.publicKey);
    });

    it('refuses a first batch with seq 1 (gap)', async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 1, zero);
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_OUT_OF_ORDER');
    });

    it('refuses a first batch whose prev is not zero (fork)', async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 0, 'ff'.repeat(32));
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_FORK');
    });

    it('anchors seq 0 and returns a receipt of its chain', async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 0, zero, 5);
      const receipt = await f.anchor.anchor(b.header, b.signature);
      expect(receipt.chain).toBe(f.anchor.chain);
      batches.push(b);
      expect(await f.anchor.latest(f.gateway.id)).toEqual({ seq: 0, headerHash: toHex(headerHash(b.header)) });
      expect(await f.anchor.batch(f.gateway.id, 0)).toEqual({
        gateway: f.gateway.id,
        seq: 0,
        alg: f.alg,
        size: 5,
        root: b.header.root,
        headerHash: toHex(headerHash(b.header)),
      });
    });

    it('anchors seq 1 linked to seq 0', async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 1, toHex(headerHash(batches[0]!.header)), 1);
      await f.anchor.anchor(b.header, b.signature);
      batches.push(b);
      expect((await f.anchor.latest(f.gateway.id))?.seq).toBe(1);
    });

    it('refuses a replay of seq 1', async () => {
      const b = batches[1]!;
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_OUT_OF_ORDER');
    });

    it('refuses a gap (seq 3 after 1)', async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 3, toHex(headerHash(batches[1]!.header)));
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_OUT_OF_ORDER');
    });

    it('refuses a fork (seq 2 with the wrong prev)', async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 2, toHex(headerHash(batches[0]!.header)));
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_FORK');
    });

    it("refuses a batch sent from an account that is not the gateway's", async () => {
      const b = makeSignedBatch(f.alg, f.gateway, 2, toHex(headerHash(batches[1]!.header)));
      await expectAnchorError(f.intruder.anchor(b.header, b.signature), 'ANCHOR_UNAUTHORIZED');
    });

    it('refuses the other hash algorithm', async () => {
      const other: HashAlg = f.alg === 'sm3' ? 'keccak256' : 'sm3';
      const b = makeSignedBatch(other, f.gateway, 2, toHex(headerHash(batches[1]!.header)));
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_BAD_ALG');
    });

    it('refuses a gateway that is not registered', async () => {
      const stranger = { ...generateSm2KeyPair(), id: 'cd'.repeat(32) };
      const b = makeSignedBatch(f.alg, stranger, 0, zero);
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_UNKNOWN_GATEWAY');
    });

    it('refuses a header signature by another key when the anchor verifies signatures', async () => {
      if (!f.verifiesSignature) return;
      const impostor = { ...generateSm2KeyPair(), id: f.gateway.id };
      const b = makeSignedBatch(f.alg, impostor, 2, toHex(headerHash(batches[1]!.header)));
      await expectAnchorError(f.anchor.anchor(b.header, b.signature), 'ANCHOR_BAD_SIGNATURE');
    });

    it('the online bundle check accepts an anchored batch and names a wrong root', async () => {
      const good = bundleFor(batches[0]!, 2, f.gateway.publicKey);
      expect(await checkAnchor(good, f.anchor)).toMatchObject({ anchored: true });
      const forged = { ...good, batch: { ...good.batch, root: '00'.repeat(32) } };
      expect(await checkAnchor(forged, f.anchor)).toMatchObject({ anchored: false, reason: 'root-mismatch' });
      const missing = { ...good, batch: { ...good.batch, seq: 99 } };
      expect(await checkAnchor(missing, f.anchor)).toMatchObject({ anchored: false, reason: 'not-anchored' });
      const wrongKey = { ...good, signature: { ...good.signature, publicKey: generateSm2KeyPair().publicKey } };
      expect(await checkAnchor(wrongKey, f.anchor)).toMatchObject({ anchored: false, reason: 'key-mismatch' });
    });

    it('keeps the key history across a rotation', async () => {
      const next = generateSm2KeyPair();
      await f.rotateKey(next.publicKey);
      const rotated = { ...next, id: f.gateway.id };
      const b = makeSignedBatch(f.alg, rotated, 2, toHex(headerHash(batches[1]!.header)));
      await f.anchor.anchor(b.header, b.signature);
      expect(await f.anchor.keyAt(f.gateway.id, 1)).toBe(f.gateway.publicKey);
      expect(await f.anchor.keyAt(f.gateway.id, 2)).toBe(next.publicKey);
      const oldBundle = bundleFor(batches[1]!, 0, f.gateway.publicKey);
      expect(await checkAnchor(oldBundle, f.anchor)).toMatchObject({ anchored: true });
    });
  });
}
