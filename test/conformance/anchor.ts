/**
 * The one conformance suite of the Anchor port (core/src/ports/anchor.ts).
 * Every adapter (EVM in contracts/, Fabric in chaincode/) runs it:
 *
 *   describeAnchorConformance('EVM adapter', async () => ({ ...fixture }));
 *   describeCheckpointConformance('EVM adapter', async () => ({ ...fixture }));
 *
 * The first part checks the rules of spec section 6 as the adapter exposes
 * them: ordered seq, prev links, the gateway's own account only, the batch
 * algorithm, typed refusals with ANCHOR_* codes, lookups, key history and the
 * online bundle check. The second checks checkpoint anchoring (spec section
 * 11) on a gateway of its own: a first checkpoint without proof, later ones
 * only larger and only with a valid RFC 9162 consistency proof, the same
 * refusals, lookups by size and by position, and receipts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAnchor,
  encodeLeaf,
  fromHex,
  generateSm2KeyPair,
  hashFor,
  headerHash,
  isEvidenceError,
  logLeafHash,
  MerkleTree,
  signHeader,
  toHex,
  verifyInclusion,
  ZERO32,
  type Anchor,
  type AnchorRef,
  type BatchHeader,
  type Checkpoint,
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

/**
 * A gateway's batch log for the checkpoint cases: `size` real signed headers
 * (seq 0 .. size - 1, prev-linked) whose log leaves are logLeafHash (spec
 * section 9), and the tree of any prefix.
 */
export function makeBatchLog(
  alg: HashAlg,
  gateway: { id: string; privateKey: string; publicKey: string },
  size: number,
  rewrite?: { seq: number },
): { headers: BatchHeader[]; leaves: Uint8Array[]; tree: (n: number) => MerkleTree } {
  const headers: BatchHeader[] = [];
  let prev = toHex(ZERO32);
  for (let seq = 0; seq < size; seq++) {
    // A rewritten history: the batch at `rewrite.seq` holds other leaves (one more), with the same links before it.
    const b = makeSignedBatch(alg, gateway, seq, prev, rewrite?.seq === seq ? 2 : 1);
    headers.push(b.header);
    prev = toHex(headerHash(b.header));
  }
  const leaves = headers.map(logLeafHash);
  return { headers, leaves, tree: (n) => MerkleTree.fromLeafHashes(alg, leaves.slice(0, n)) };
}

/**
 * The checkpoint cases (spec section 11). `setup` must give a gateway of its
 * own, with neither a batch nor a checkpoint anchored: an anchor may (the EVM
 * one does) refuse checkpoints from a gateway that anchored batches one by
 * one, so the fixture of describeAnchorConformance cannot be shared.
 */
export function describeCheckpointConformance(name: string, setup: () => Promise<AnchorFixture>): void {
  describe(`Anchor port conformance, checkpoints: ${name}`, () => {
    let f: AnchorFixture;
    let log: ReturnType<typeof makeBatchLog>;
    const refs = new Map<number, AnchorRef>();
    const TS0 = 1_764_000_000_000;

    const checkpointOf = (n: number, patch: Partial<Checkpoint> = {}): Checkpoint => ({
      gateway: f.gateway.id,
      alg: f.alg,
      size: n,
      root: toHex(log.tree(n).root),
      ts: TS0 + n,
      ...patch,
    });
    /** PROOF(m, D[n]) of the honest log. */
    const proofOf = (m: number, n: number) => log.tree(n).consistencyProof(m);
    const flipped = (bytes: Uint8Array): Uint8Array => bytes.map((b, i) => (i === 7 ? b ^ 1 : b));

    beforeAll(async () => {
      f = await setup();
      log = makeBatchLog(f.alg, f.gateway, 16);
    });
    afterAll(async () => {
      await f?.close?.();
    });

    it('has no checkpoint before the first anchor', async () => {
      expect(await f.anchor.latestCheckpoint(f.gateway.id)).toBeNull();
      expect(await f.anchor.checkpointAt(f.gateway.id, 3)).toBeNull();
      expect(await f.anchor.checkpoints(f.gateway.id, 0, 10)).toEqual([]);
      expect(await f.anchor.checkpointReceipt(f.gateway.id, 3)).toBeNull();
    });

    it('refuses a first checkpoint that comes with a proof', async () => {
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(3), [log.tree(3).root]), 'ANCHOR_INCONSISTENT');
      expect(await f.anchor.latestCheckpoint(f.gateway.id)).toBeNull();
    });

    it('anchors the first checkpoint without a proof and returns a receipt of its chain', async () => {
      const ref = await f.anchor.anchorCheckpoint(checkpointOf(3), []);
      expect(ref.chain).toBe(f.anchor.chain);
      refs.set(3, ref);
      const latest = await f.anchor.latestCheckpoint(f.gateway.id);
      expect(latest).toEqual({ gateway: f.gateway.id, index: 0, size: 3, root: checkpointOf(3).root, ts: TS0 + 3, anchoredAt: expect.any(Number) });
      expect(Number.isSafeInteger(latest!.anchoredAt) && latest!.anchoredAt > 0).toBe(true);
    });

    it("refuses a checkpoint sent from an account that is not the gateway's", async () => {
      await expectAnchorError(f.intruder.anchorCheckpoint(checkpointOf(7), proofOf(3, 7)), 'ANCHOR_UNAUTHORIZED');
    });

    it('refuses the other hash algorithm', async () => {
      const other: HashAlg = f.alg === 'sm3' ? 'keccak256' : 'sm3';
      const otherLog = makeBatchLog(other, f.gateway, 7);
      const cp = checkpointOf(7, { alg: other, root: toHex(otherLog.tree(7).root) });
      await expectAnchorError(f.anchor.anchorCheckpoint(cp, otherLog.tree(7).consistencyProof(3)), 'ANCHOR_BAD_ALG');
    });

    it('refuses a gateway that is not registered', async () => {
      const cp = checkpointOf(3, { gateway: 'cd'.repeat(32) });
      await expectAnchorError(f.anchor.anchorCheckpoint(cp, []), 'ANCHOR_UNKNOWN_GATEWAY');
    });

    it('anchors the next checkpoint with a valid consistency proof', async () => {
      refs.set(7, await f.anchor.anchorCheckpoint(checkpointOf(7), proofOf(3, 7)));
      expect(await f.anchor.latestCheckpoint(f.gateway.id)).toMatchObject({ index: 1, size: 7, root: checkpointOf(7).root, ts: TS0 + 7 });
    });

    it('refuses a size that is not above the last anchored one (equal, smaller, zero)', async () => {
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(7), []), 'ANCHOR_STALE_CHECKPOINT');
      // Another root for an anchored size is a rewrite, refused as stale before any proof is read.
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(7, { root: toHex(log.tree(8).root) }), []), 'ANCHOR_STALE_CHECKPOINT');
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(5), proofOf(3, 5)), 'ANCHOR_STALE_CHECKPOINT');
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(3), []), 'ANCHOR_STALE_CHECKPOINT');
      expect((await f.anchor.latestCheckpoint(f.gateway.id))?.size).toBe(7);
    });

    it('refuses a proof that does not hold: tampered, truncated, extended, from another size, or none', async () => {
      const good = proofOf(7, 10);
      const cp = checkpointOf(10);
      expect(good.length).toBeGreaterThan(1);
      for (let i = 0; i < good.length; i++) {
        await expectAnchorError(f.anchor.anchorCheckpoint(cp, good.map((p, j) => (j === i ? flipped(p) : p))), 'ANCHOR_INCONSISTENT');
      }
      await expectAnchorError(f.anchor.anchorCheckpoint(cp, good.slice(0, -1)), 'ANCHOR_INCONSISTENT');
      await expectAnchorError(f.anchor.anchorCheckpoint(cp, [...good, log.tree(10).root]), 'ANCHOR_INCONSISTENT');
      await expectAnchorError(f.anchor.anchorCheckpoint(cp, proofOf(3, 10)), 'ANCHOR_INCONSISTENT');
      await expectAnchorError(f.anchor.anchorCheckpoint(cp, []), 'ANCHOR_INCONSISTENT');
    });

    it('refuses a rewritten root and a rewritten history', async () => {
      // The honest proof with a root the log never had.
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(10, { root: toHex(flipped(log.tree(10).root)) }), proofOf(7, 10)), 'ANCHOR_INCONSISTENT');
      // A log whose batch 4 was replaced: its own proof from size 7 is valid for it, but its size-7 root is not the anchored one.
      const forked = makeBatchLog(f.alg, f.gateway, 10, { seq: 4 });
      expect(toHex(forked.tree(7).root)).not.toBe(checkpointOf(7).root);
      const forkedCp = checkpointOf(10, { root: toHex(forked.tree(10).root) });
      await expectAnchorError(f.anchor.anchorCheckpoint(forkedCp, forked.tree(10).consistencyProof(7)), 'ANCHOR_INCONSISTENT');
      expect((await f.anchor.latestCheckpoint(f.gateway.id))?.size).toBe(7);
    });

    it('anchors through power-of-two sizes (7 -> 8 -> 13)', async () => {
      refs.set(8, await f.anchor.anchorCheckpoint(checkpointOf(8), proofOf(7, 8)));
      refs.set(13, await f.anchor.anchorCheckpoint(checkpointOf(13), proofOf(8, 13)));
      expect(await f.anchor.latestCheckpoint(f.gateway.id)).toMatchObject({ index: 3, size: 13 });
      await expectAnchorError(f.anchor.anchorCheckpoint(checkpointOf(8), []), 'ANCHOR_STALE_CHECKPOINT');
    });

    it('reads every checkpoint by size and by position', async () => {
      const sizes = [3, 7, 8, 13];
      const all = await f.anchor.checkpoints(f.gateway.id, 0, 100);
      expect(all.map((c) => [c.index, c.size, c.root, c.ts])).toEqual(sizes.map((n, i) => [i, n, checkpointOf(n).root, TS0 + n]));
      for (const c of all) {
        expect(c.gateway).toBe(f.gateway.id);
        expect(await f.anchor.checkpointAt(f.gateway.id, c.size)).toEqual(c);
      }
      expect(all.map((c) => c.anchoredAt)).toEqual([...all.map((c) => c.anchoredAt)].sort((a, b) => a - b));
      expect(await f.anchor.checkpoints(f.gateway.id, 1, 2)).toEqual(all.slice(1, 3));
      expect(await f.anchor.checkpoints(f.gateway.id, 3, 5)).toEqual(all.slice(3));
      expect(await f.anchor.checkpoints(f.gateway.id, 4, 5)).toEqual([]);
      expect(await f.anchor.checkpoints(f.gateway.id, 0, 0)).toEqual([]);
      for (const absent of [1, 5, 10, 14]) expect(await f.anchor.checkpointAt(f.gateway.id, absent)).toBeNull();
      expect(await f.anchor.latestCheckpoint(f.gateway.id)).toEqual(all[3]);
    });

    it('finds the transaction that anchored each checkpoint', async () => {
      for (const [size, ref] of refs) expect(await f.anchor.checkpointReceipt(f.gateway.id, size)).toEqual(ref);
      expect(await f.anchor.checkpointReceipt(f.gateway.id, 10)).toBeNull();
      expect(new Set([...refs.values()].map((r) => JSON.stringify(r))).size).toBe(refs.size);
    });

    it('holds the root that every batch up to size - 1 is proven against', async () => {
      const anchored = await f.anchor.checkpointAt(f.gateway.id, 13);
      const root = fromHex(anchored!.root, 32, 'root');
      const tree = log.tree(13);
      for (let seq = 0; seq < 13; seq++) {
        expect(verifyInclusion(hashFor(f.alg), seq, 13, logLeafHash(log.headers[seq]!), tree.proof(seq), root)).toBe(true);
      }
    });
  });
}
