/**
 * Checkpoint anchoring (spec section 11) on the simulated peer: the full flow,
 * every rule and refusal with tampered input, what is stored and emitted, the
 * lookups by size and by position, the pure consistency check, and key
 * rotation across checkpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fromHex,
  generateSm2KeyPair,
  jcsString,
  MerkleTree,
  signCheckpoint,
  toHex,
  verifyCheckpointSignature,
  type Checkpoint,
  type Leaf,
} from '@evidence/core';
import { getCheckpointRecord, listCheckpoints, rotateGatewayKey, setGatewayActive, verifyConsistencyProof, type FabricAnchor } from '../index.js';
import { createChaincode } from '../chaincode.js';
import { setClockPolicy } from '../ledger/clock.js';
import { createEvidenceNetwork, localEndorser, refusalOf, TestBatchLog, type EvidenceNetwork, type RegisteredGateway } from '../../test/support/index.js';

const T0 = 1_763_800_000_000;
let now = T0;
let net: EvidenceNetwork;
let gw: RegisteredGateway;
let anchor: FabricAnchor;
let reader: FabricAnchor;
let log: TestBatchLog;
let n = 0;

const leaf = (gateway: string, kind = 5): Leaf => ({
  v: 1,
  kind,
  id: (++n).toString(16).padStart(32, '0'),
  gateway,
  subject: 'ab'.repeat(32),
  ts: now,
  commitment: n.toString(16).padStart(64, '0'),
});

/** Closes `count` batches of two leaves each in the gateway's log. */
function grow(l: TestBatchLog, count: number): void {
  for (let i = 0; i < count; i++) l.append([leaf(l.gateway.id), leaf(l.gateway.id)]);
}

const flip = (h: Uint8Array): Uint8Array => Uint8Array.from(h, (b, i) => (i === 0 ? b ^ 1 : b));

beforeAll(async () => {
  net = await createEvidenceNetwork({ clock: () => now });
  gw = await net.registerGateway('H330100001');
  anchor = net.gatewayAnchor(gw);
  reader = net.anchorFor(net.identity('court-reader'));
  log = new TestBatchLog(gw, 'sm3', () => now);
});

describe('AnchorCheckpoint: a full flow', () => {
  const receipts: string[] = [];

  it('has nothing before the first checkpoint', async () => {
    expect(await reader.latestCheckpoint(gw.id)).toBeNull();
    expect(await reader.checkpointAt(gw.id, 1)).toBeNull();
    expect(await reader.checkpoints(gw.id, 0, 10)).toEqual([]);
    expect(await reader.checkpointReceipt(gw.id, 1)).toBeNull();
  });

  it('anchors three checkpoints, each with the consistency proof from the last (none for the first)', async () => {
    for (const [batches, ts] of [[3, T0 + 1000], [4, T0 + 2000], [5, T0 + 3000]] as const) {
      now = ts;
      const last = (await reader.latestCheckpoint(gw.id))?.size ?? 0;
      grow(log, batches);
      const { checkpoint } = log.checkpoint();
      const receipt = await anchor.anchorCheckpoint(checkpoint, log.consistency(last));
      expect(receipt).toMatchObject({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
      receipts.push(receipt.txId);
      const event = net.fabric.events.at(-1)!;
      expect(event).toMatchObject({ eventName: 'CheckpointAnchored', txId: receipt.txId, chaincodeName: 'anchor' });
      expect(JSON.parse(Buffer.from(event.payload).toString())).toEqual({ gateway: gw.id, index: receipts.length - 1, size: log.size, root: checkpoint.root, ts });
    }
    expect(log.size).toBe(12);
  });

  it('reads each by size and by position, with the transaction time and id', async () => {
    const sizes = [3, 7, 12];
    for (const [index, size] of sizes.entries()) {
      const root = toHex(log.tree(size).root);
      const expected = { gateway: gw.id, index, size, root, ts: T0 + 1000 * (index + 1), anchoredAt: T0 + 1000 * (index + 1) };
      expect(await reader.checkpointAt(gw.id, size)).toEqual(expected);
      expect(await reader.checkpointReceipt(gw.id, size)).toEqual({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: receipts[index] });
      const record = await getCheckpointRecord(reader.port, gw.id, size);
      expect(record).toMatchObject({ ...expected, alg: 'sm3', txId: receipts[index] });
      // The stored signature is the gateway's over exactly this checkpoint.
      const cp: Checkpoint = { gateway: gw.id, alg: 'sm3', size, root, ts: expected.ts };
      expect(verifyCheckpointSignature(cp, fromHex(record!.signature, 64), gw.publicKey)).toBe(true);
    }
    expect(await reader.checkpointAt(gw.id, 5)).toBeNull(); // sizes never anchored have no record
    expect(await reader.latestCheckpoint(gw.id)).toMatchObject({ index: 2, size: 12 });
    expect((await reader.checkpoints(gw.id, 0, 10)).map((c) => c.size)).toEqual(sizes);
    expect((await reader.checkpoints(gw.id, 1, 1)).map((c) => c.size)).toEqual([7]);
    expect((await reader.checkpoints(gw.id, 2, 100)).map((c) => c.index)).toEqual([2]);
    expect(await reader.checkpoints(gw.id, 3, 10)).toEqual([]);
    expect(await reader.checkpoints(gw.id, 0, 0)).toEqual([]);
    expect(await reader.checkpoints('cd'.repeat(32), 0, 10)).toEqual([]);
    expect((await listCheckpoints(reader.port, gw.id, 0, 2)).map((c) => c.txId)).toEqual(receipts.slice(0, 2));
  });

  it('anchors a gateway one way only: no batch of a checkpointed gateway is anchored on its own', async () => {
    expect(await reader.latest(gw.id)).toBeNull();
    // Batch 0 is entry 0 of the anchored log; anchoring it again on its own could give it another header.
    const b = log.batches[0]!;
    expect(await refusalOf(anchor.anchor(b.header, b.signature))).toBe('ANCHORED_BY_CHECKPOINTS');
    await expect(anchor.anchor(b.header, b.signature)).rejects.toMatchObject({ code: 'ANCHOR_REJECTED' });
    expect(await reader.batch(gw.id, 0)).toBeNull();
  });

  it('anchors a gateway one way only: a gateway that anchors per batch cannot anchor checkpoints', async () => {
    const perBatch = await net.registerGateway('H330100005');
    await net.anchorLeaves(perBatch, [leaf(perBatch.id)]);
    const perBatchLog = new TestBatchLog(perBatch, 'sm3', () => now);
    perBatchLog.append([leaf(perBatch.id)]);
    const { checkpoint, signature } = perBatchLog.checkpoint();
    expect(await refusalOf(net.gatewayAnchor(perBatch).anchorSignedCheckpoint(checkpoint, signature, []))).toBe('ANCHORED_PER_BATCH');
    expect(await reader.latestCheckpoint(perBatch.id)).toBeNull();
  });
});

describe('AnchorCheckpoint: refusals', () => {
  const head = () => reader.latestCheckpoint(gw.id);

  it('refuses a replayed checkpoint, an older one and one of the same size (ANCHOR_STALE_CHECKPOINT)', async () => {
    const before = await head();
    const again = log.checkpoint(12);
    await expect(anchor.anchorSignedCheckpoint(again.checkpoint, again.signature, [])).rejects.toMatchObject({ code: 'ANCHOR_STALE_CHECKPOINT' });
    const older = log.checkpoint(7);
    await expect(anchor.anchorSignedCheckpoint(older.checkpoint, older.signature, [])).rejects.toMatchObject({ code: 'ANCHOR_STALE_CHECKPOINT' });
    const shrunk = log.checkpoint(1);
    await expect(anchor.anchorCheckpoint(shrunk.checkpoint, [])).rejects.toMatchObject({ code: 'ANCHOR_STALE_CHECKPOINT' });
    expect(await head()).toEqual(before);
  });

  it('refuses a rewritten history: a root that does not extend the anchored one, whatever proof comes with it (ANCHOR_INCONSISTENT)', async () => {
    // A fork: the gateway rewrites batch 5 (already anchored by the checkpoint of size 7) and grows from there.
    const fork = new TestBatchLog(gw, 'sm3', () => now);
    for (const b of log.batches) fork.append(b.leaves);
    fork.batches[5] = { ...fork.batches[5]!, header: { ...fork.batches[5]!.header, closedAt: fork.batches[5]!.header.closedAt + 1 } };
    grow(fork, 2);
    const forged = fork.checkpoint();
    // The fork's own proof is internally consistent, but from a size-12 root that is not the anchored one.
    await expect(anchor.anchorSignedCheckpoint(forged.checkpoint, forged.signature, fork.consistency(12))).rejects.toMatchObject({ code: 'ANCHOR_INCONSISTENT' });
    // The honest proof does not fit the rewritten root either.
    grow(log, 2);
    await expect(anchor.anchorSignedCheckpoint(forged.checkpoint, forged.signature, log.consistency(12))).rejects.toMatchObject({ code: 'ANCHOR_INCONSISTENT' });
    // A rewritten root with the honest size.
    const rewritten = { ...log.checkpoint().checkpoint, root: toHex(flip(fromHex(log.checkpoint().checkpoint.root, 32))) };
    await expect(anchor.anchorCheckpoint(rewritten, log.consistency(12))).rejects.toMatchObject({ code: 'ANCHOR_INCONSISTENT' });
  });

  it('refuses a wrong proof: tampered, truncated, padded, for other sizes, or missing (ANCHOR_INCONSISTENT)', async () => {
    const { checkpoint, signature } = log.checkpoint();
    const proof = log.consistency(12);
    expect(proof.length).toBeGreaterThan(1);
    const wrong: Uint8Array[][] = [
      [flip(proof[0]!), ...proof.slice(1)],
      proof.slice(0, -1),
      [...proof, proof[0]!],
      log.consistency(7),
      log.consistency(11),
      [],
    ];
    for (const p of wrong) await expect(anchor.anchorSignedCheckpoint(checkpoint, signature, p)).rejects.toMatchObject({ code: 'ANCHOR_INCONSISTENT' });
    expect((await head())!.size).toBe(12);
  });

  it('refuses a first checkpoint that comes with a proof (ANCHOR_INCONSISTENT)', async () => {
    const other = await net.registerGateway('H330100002');
    const otherLog = new TestBatchLog(other, 'sm3', () => now);
    grow(otherLog, 2);
    const first = otherLog.checkpoint();
    const otherAnchor = net.gatewayAnchor(other);
    await expect(otherAnchor.anchorSignedCheckpoint(first.checkpoint, first.signature, [otherLog.tree().leafHash(0)])).rejects.toMatchObject({
      code: 'ANCHOR_INCONSISTENT',
    });
    expect(await otherAnchor.anchorSignedCheckpoint(first.checkpoint, first.signature, [])).toMatchObject({ chain: 'fabric' });
  });

  it("refuses another gateway's identity, a stranger and an unregistered gateway, before looking at proof or signature", async () => {
    const other = await net.registerGateway('H330100003');
    const { checkpoint, signature } = log.checkpoint();
    const proof = log.consistency(12);
    // The identity bound to another gateway, even holding this gateway's SM2 signature.
    await expect(net.anchorFor(other.identity).anchorSignedCheckpoint(checkpoint, signature, proof)).rejects.toMatchObject({ code: 'ANCHOR_UNAUTHORIZED' });
    // Cheapest first: with a wrong proof and a garbage signature a stranger still only learns it is not authorised.
    const stranger = net.anchorFor(net.identity('stranger'));
    await expect(stranger.anchorSignedCheckpoint(checkpoint, new Uint8Array(64), [flip(proof[0]!)])).rejects.toMatchObject({ code: 'ANCHOR_UNAUTHORIZED' });
    const unknown = { ...checkpoint, gateway: 'cd'.repeat(32) };
    await expect(anchor.anchorSignedCheckpoint(unknown, signCheckpoint(unknown, gw.privateKey), [])).rejects.toMatchObject({ code: 'ANCHOR_UNKNOWN_GATEWAY' });
  });

  it('refuses a deactivated gateway (ANCHOR_UNAUTHORIZED) and accepts it again once reactivated', async () => {
    const other = await net.registerGateway('H330100004');
    const otherLog = new TestBatchLog(other, 'sm3', () => now);
    grow(otherLog, 1);
    const first = otherLog.checkpoint();
    await setGatewayActive(net.governorPort, other.id, false);
    await expect(net.gatewayAnchor(other).anchorSignedCheckpoint(first.checkpoint, first.signature, [])).rejects.toMatchObject({ code: 'ANCHOR_UNAUTHORIZED' });
    await setGatewayActive(net.governorPort, other.id, true);
    expect(await net.gatewayAnchor(other).anchorSignedCheckpoint(first.checkpoint, first.signature, [])).toMatchObject({ chain: 'fabric' });
  });

  it('refuses a keccak256 log (ANCHOR_BAD_ALG): Fabric anchors sm3 logs', async () => {
    const keccakLog = new TestBatchLog(gw, 'keccak256', () => now);
    for (const b of log.batches) keccakLog.append(b.leaves);
    const { checkpoint, signature } = keccakLog.checkpoint();
    await expect(anchor.anchorSignedCheckpoint(checkpoint, signature, keccakLog.consistency(12))).rejects.toMatchObject({ code: 'ANCHOR_BAD_ALG' });
  });

  it("refuses a signature by another key, over another checkpoint, or that is no signature (ANCHOR_BAD_SIGNATURE)", async () => {
    const { checkpoint, signature } = log.checkpoint();
    const proof = log.consistency(12);
    const impostor = generateSm2KeyPair();
    await expect(anchor.anchorSignedCheckpoint(checkpoint, signCheckpoint(checkpoint, impostor.privateKey), proof)).rejects.toMatchObject({
      code: 'ANCHOR_BAD_SIGNATURE',
    });
    // The gateway's signature of the same checkpoint with another ts does not carry over.
    await expect(anchor.anchorSignedCheckpoint(checkpoint, signCheckpoint({ ...checkpoint, ts: checkpoint.ts + 1 }, gw.privateKey), proof)).rejects.toMatchObject({
      code: 'ANCHOR_BAD_SIGNATURE',
    });
    await expect(anchor.anchorSignedCheckpoint(checkpoint, new Uint8Array(64), proof)).rejects.toMatchObject({ code: 'ANCHOR_BAD_SIGNATURE' });
    // And the gateway's own signature is accepted.
    expect(await anchor.anchorSignedCheckpoint(checkpoint, signature, proof)).toMatchObject({ chain: 'fabric' });
    expect((await head())!.size).toBe(14);
  });

  it('refuses malformed arguments with their codes, before any state is read', async () => {
    grow(log, 1);
    const { checkpoint, signature } = log.checkpoint();
    const sig = toHex(signature);
    const proof = JSON.stringify(log.consistency(14).map(toHex));
    const call = (cp: unknown, s = sig, p = proof) => gw.port.submit('anchor:AnchorCheckpoint', typeof cp === 'string' ? cp : JSON.stringify(cp), s, p);
    expect(await refusalOf(call('{"gateway"'))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call({ ...checkpoint, admin: true }))).toBe('CHAINCODE_BAD_ARGUMENT');
    const { ts: _ts, ...noTs } = checkpoint;
    expect(await refusalOf(call(noTs))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call({ ...checkpoint, gateway: gw.id.toUpperCase() }))).toBe('EVIDENCE_BAD_HEX');
    expect(await refusalOf(call({ ...checkpoint, root: '00' }))).toBe('EVIDENCE_BAD_LENGTH');
    expect(await refusalOf(call({ ...checkpoint, size: 0 }))).toBe('MERKLE_EMPTY_TREE');
    expect(await refusalOf(call({ ...checkpoint, size: 2 ** 53 }))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(call({ ...checkpoint, ts: '1' }))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(call({ ...checkpoint, alg: 'sha256' }))).toBe('EVIDENCE_BAD_ALG');
    expect(await refusalOf(call(checkpoint, sig.slice(2)))).toBe('EVIDENCE_BAD_LENGTH');
    expect(await refusalOf(call(checkpoint, sig, '{}'))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call(checkpoint, sig, JSON.stringify(Array(129).fill('00'.repeat(32)))))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(call(checkpoint, sig, JSON.stringify(['00'])))).toBe('EVIDENCE_BAD_LENGTH');
    expect((await head())!.size).toBe(14);
    await gw.port.submit('anchor:AnchorCheckpoint', jcsString(checkpoint), sig, proof);
    expect((await head())!.size).toBe(15);
  });
});

describe('AnchorCheckpoint: two submits of one checkpoint', () => {
  it('lets one through; the other loses at commit (MVCC) and is reported as unavailable, not refused', async () => {
    grow(log, 2);
    const { checkpoint } = log.checkpoint();
    const proof = log.consistency(15);
    const results = await Promise.allSettled([anchor.anchorCheckpoint(checkpoint, proof), anchor.anchorCheckpoint(checkpoint, proof)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { code: string; message: string };
    expect(loser.code).toBe('ANCHOR_UNAVAILABLE');
    expect(loser.message).toMatch(/MVCC_READ_CONFLICT/);
    // Re-reading the chain shows the checkpoint is anchored: the caller has nothing left to do.
    expect(await reader.latestCheckpoint(gw.id)).toMatchObject({ size: 17, root: checkpoint.root });
  });
});

describe('key rotation across checkpoints', () => {
  it('rotates from the first batch after the last anchored checkpoint; later checkpoints need the new key', async () => {
    const next = generateSm2KeyPair();
    const entry = (await rotateGatewayKey(net.governorPort, gw.id, next.publicKey)) as { fromSeq: number };
    expect(entry.fromSeq).toBe(17);
    expect(await reader.keyAt(gw.id, 16)).toBe(gw.publicKey);
    expect(await reader.keyAt(gw.id, 17)).toBe(next.publicKey);
    grow(log, 1);
    const old = log.checkpoint();
    await expect(anchor.anchorSignedCheckpoint(old.checkpoint, old.signature, log.consistency(17))).rejects.toMatchObject({ code: 'ANCHOR_BAD_SIGNATURE' });
    const rotated = log.checkpoint(log.size, { signer: { ...next, id: gw.id } });
    expect(await anchor.anchorSignedCheckpoint(rotated.checkpoint, rotated.signature, log.consistency(17))).toMatchObject({ chain: 'fabric' });
  });
});

describe('VerifyConsistency (evaluate, SM3)', () => {
  const tree = MerkleTree.fromLeaves('sm3', Array.from({ length: 9 }, (_, i) => new Uint8Array([i])));
  const root = (size: number) => toHex(MerkleTree.fromLeaves('sm3', Array.from({ length: size }, (_, i) => new Uint8Array([i]))).root);

  it('is true for a proof that holds and false for one that does not', async () => {
    for (const first of [1, 2, 3, 4, 5, 8]) {
      expect(await verifyConsistencyProof(reader.port, first, 9, root(first), toHex(tree.root), tree.consistencyProof(first))).toBe(true);
    }
    const proof = tree.consistencyProof(5);
    expect(await verifyConsistencyProof(reader.port, 5, 9, root(5), toHex(tree.root), [flip(proof[0]!), ...proof.slice(1)])).toBe(false);
    expect(await verifyConsistencyProof(reader.port, 5, 9, toHex(tree.root), root(5), proof)).toBe(false); // roots swapped
    expect(await verifyConsistencyProof(reader.port, 4, 9, root(4), toHex(tree.root), proof)).toBe(false); // another first size
    expect(await verifyConsistencyProof(reader.port, 9, 9, toHex(tree.root), toHex(tree.root), [])).toBe(true);
    expect(await verifyConsistencyProof(reader.port, 9, 9, toHex(tree.root), root(8), [])).toBe(false);
  });

  it('refuses a first size of zero, first above second, a proof for equal sizes and malformed arguments', async () => {
    const r = toHex(tree.root);
    const call = (...args: string[]) => reader.port.evaluate('anchor:VerifyConsistency', ...args);
    expect(await refusalOf(call('0', '9', r, r, '[]'))).toBe('MERKLE_INDEX_OUT_OF_RANGE');
    expect(await refusalOf(call('9', '5', r, r, '[]'))).toBe('MERKLE_INDEX_OUT_OF_RANGE');
    expect(await refusalOf(call('9', '9', r, r, JSON.stringify([r])))).toBe('MERKLE_BAD_PATH_LENGTH');
    expect(await refusalOf(call('1.5', '9', r, r, '[]'))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(call('1', '9', r.slice(2), r, '[]'))).toBe('EVIDENCE_BAD_LENGTH');
    expect(await refusalOf(call('1', '9', r, r, 'nope'))).toBe('CHAINCODE_BAD_ARGUMENT');
  });

  it('refuses ListCheckpoints limits outside 1..100 and malformed positions', async () => {
    expect(await refusalOf(listCheckpoints(reader.port, gw.id, 0, 0))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(listCheckpoints(reader.port, gw.id, 0, 101))).toBe('CHAINCODE_BAD_ARGUMENT');
    expect(await refusalOf(reader.port.evaluate('anchor:ListCheckpoints', gw.id, '-1', '5'))).toBe('EVIDENCE_BAD_INTEGER');
    expect(await refusalOf(reader.port.evaluate('anchor:GetCheckpoint', gw.id, '01'))).toBe('EVIDENCE_BAD_INTEGER');
    await expect(reader.checkpointAt(gw.id, -1)).rejects.toMatchObject({ code: 'EVIDENCE_BAD_INTEGER' }); // refused before any call
  });
});

describe('checkpoint time', () => {
  const peerTime = 1_800_000_000_000;
  const MINUTE = 60_000;
  afterAll(() => setClockPolicy({ maxSkewMs: null, local: Date.now }));

  it('refuses a checkpoint whose ts is further from the transaction time than the clock bound (CHECKPOINT_BAD_TIME)', async () => {
    const chaincode = createChaincode({ maxClockSkewMs: 5 * MINUTE });
    setClockPolicy({ local: () => peerTime });
    const timed = await createEvidenceNetwork({ endorser: localEndorser(chaincode), clock: () => peerTime });
    const g = await timed.registerGateway('H330100009');
    const l = new TestBatchLog(g, 'sm3', () => peerTime);
    grow(l, 2);
    const a = timed.gatewayAnchor(g);
    // Signed ten minutes ago (the chain was down, the gateway retries an old checkpoint), or post-dated.
    for (const ts of [peerTime - 10 * MINUTE, peerTime + 10 * MINUTE]) {
      const stale = l.checkpoint(2, { ts });
      expect(await refusalOf(a.anchorSignedCheckpoint(stale.checkpoint, stale.signature, []))).toBe('CHECKPOINT_BAD_TIME');
    }
    // The adapter names it so the gateway signs a fresh checkpoint instead of retrying this one.
    await expect(a.anchorCheckpoint(l.checkpoint(2, { ts: peerTime - 10 * MINUTE }).checkpoint, [])).rejects.toMatchObject({ code: 'ANCHOR_CHECKPOINT_EXPIRED' });
    const fresh = l.checkpoint(2, { ts: peerTime - 4 * MINUTE });
    expect(await a.anchorSignedCheckpoint(fresh.checkpoint, fresh.signature, [])).toMatchObject({ chain: 'fabric' });
    expect(await a.checkpointAt(g.id, 2)).toMatchObject({ ts: peerTime - 4 * MINUTE, anchoredAt: peerTime });
  });
});
