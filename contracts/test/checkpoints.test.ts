/**
 * EvidenceAnchor's checkpoint anchoring as a contract (spec section 11): each
 * refusal's custom error and arguments, the event and the stored record, the
 * rule that a gateway anchors per batch or by checkpoints but never both, key
 * rotation after checkpoints, isBatchAnchoredInCheckpoint with every header
 * field tampered, and the independent implementation's log anchored through
 * its own consistency proofs, its v2 bundles then proven on chain.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair, headerHash, toHex, ZERO32, type BatchHeader, type ProofBundleV2 } from '@evidence/core';
import type { Contract, TransactionReceipt } from 'ethers';
import { makeBatchLog, makeSignedBatch } from '../../test/conformance/anchor.js';
import { registerGateway, rotateGatewayKey, setParticipantActive } from '../src/index.js';
import { deploySystem, expectRevert, hex0x, type GatewayIdentity, type System } from './fixture.js';

const v2 = JSON.parse(readFileSync(new URL('../../test/vectors/evidence-v2.json', import.meta.url), 'utf8')) as {
  consistency: { alg: string; first: number; second: number; firstRoot: string; secondRoot: string; proof: string[] }[];
  checkpoints: { checkpoint: { gateway: string; alg: string; size: number; root: string; ts: number }; signature: { publicKey: string } }[];
  bundles: { valid: boolean; bundle: ProofBundleV2 }[];
};

const flip = (hex: string, at = 3): string => {
  const bytes = Buffer.from(hex, 'hex');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('hex');
};

describe('EvidenceAnchor checkpoints', () => {
  let system: System;
  let gw: GatewayIdentity;
  let asGateway: Contract;
  let log: ReturnType<typeof makeBatchLog>;
  const governor = () => ({ signer: system.admin, address: system.deployment.contracts.EvidenceAnchor });

  const root = (n: number) => hex0x(toHex(log.tree(n).root));
  const proof = (m: number, n: number) => log.tree(n).consistencyProof(m).map((p) => hex0x(toHex(p)));
  const send = (c: Contract, gateway: string, size: number, rootHex: string, p: string[], alg = 1, ts = 1_764_000_000_000 + size) =>
    c.getFunction('anchorCheckpoint')(hex0x(gateway), alg, size, rootHex, ts, p) as Promise<{ wait(): Promise<TransactionReceipt> }>;
  const mined = async (tx: Promise<{ wait(): Promise<TransactionReceipt> }>) => (await tx).wait();

  beforeAll(async () => {
    system = await deploySystem();
    gw = await system.addGateway('H330100020', 1);
    asGateway = system.contract('EvidenceAnchor', gw.wallet);
    log = makeBatchLog('keccak256', gw, 24);
  });
  afterAll(() => system.close());

  it('names each refusal of a first checkpoint with its arguments', async () => {
    const id = hex0x(gw.id);
    const stranger = hex0x('cd'.repeat(32));
    expect((await expectRevert(send(asGateway, 'cd'.repeat(32), 3, root(3), []), 'EvidenceAnchor__UnknownGateway')).gateway).toBe(stranger);
    const intruder = system.contract('EvidenceAnchor', system.chain.wallet(2));
    const unauthorized = await expectRevert(send(intruder, gw.id, 3, root(3), []), 'EvidenceAnchor__Unauthorized');
    expect([unauthorized.gateway, unauthorized.sender]).toEqual([id, system.chain.wallet(2).address]);
    expect((await expectRevert(send(asGateway, gw.id, 3, root(3), [], 2), 'EvidenceAnchor__UnsupportedAlgorithm')).alg).toBe(2n);
    expect((await expectRevert(send(asGateway, gw.id, 3, hex0x(toHex(ZERO32)), []), 'EvidenceAnchor__ZeroCheckpointRoot')).gateway).toBe(id);
    const stale = await expectRevert(send(asGateway, gw.id, 0, root(3), []), 'EvidenceAnchor__StaleCheckpoint');
    expect([stale.gateway, stale.lastSize, stale.size]).toEqual([id, 0n, 0n]);
    const withProof = await expectRevert(send(asGateway, gw.id, 3, root(3), [root(2)]), 'EvidenceAnchor__InconsistentCheckpoint');
    expect([withProof.gateway, withProof.lastSize, withProof.size]).toEqual([id, 0n, 3n]);
    await setParticipantActive(governor(), { id: gw.id, active: false });
    expect((await expectRevert(send(asGateway, gw.id, 3, root(3), []), 'EvidenceAnchor__Inactive')).gateway).toBe(id);
    await setParticipantActive(governor(), { id: gw.id, active: true });
    expect(await asGateway.getFunction('checkpointCount')(id)).toBe(0n);
  });

  it('anchors the first checkpoint: event, index, and the record with block number and block time', async () => {
    const id = hex0x(gw.id);
    expect(await asGateway.getFunction('anchorCheckpoint').staticCall(id, 1, 3, root(3), 1_764_000_000_003, [])).toBe(0n);
    const receipt = await mined(send(asGateway, gw.id, 3, root(3), []));
    const events = receipt.logs.map((l) => asGateway.interface.parseLog(l)).filter((e) => e?.name === 'CheckpointAnchored');
    expect(events.map((e) => [...e!.args])).toEqual([[id, 3n, root(3), 1_764_000_000_003n, 0n]]);
    const block = (await system.chain.provider.getBlock(receipt.blockNumber))!;
    const [exists, record] = (await asGateway.getFunction('checkpointAt')(id, 3)) as [boolean, unknown[]];
    expect(exists).toBe(true);
    expect([...record]).toEqual([0n, 3n, root(3), 1_764_000_000_003n, BigInt(receipt.blockNumber), BigInt(block.timestamp) * 1000n]);
    expect(await asGateway.getFunction('checkpointRootOf')(id, 3)).toBe(root(3));
    expect(await asGateway.getFunction('checkpointRootOf')(id, 4)).toBe(hex0x(toHex(ZERO32)));
    expect(await asGateway.getFunction('checkpointCount')(id)).toBe(1n);
  });

  it('names a stale size and an inconsistent proof with the last anchored size', async () => {
    const id = hex0x(gw.id);
    const stale = await expectRevert(send(asGateway, gw.id, 3, root(3), []), 'EvidenceAnchor__StaleCheckpoint');
    expect([stale.gateway, stale.lastSize, stale.size]).toEqual([id, 3n, 3n]);
    const bad = proof(3, 9).map((p, i) => (i === 0 ? hex0x(flip(p.slice(2))) : p));
    const inconsistent = await expectRevert(send(asGateway, gw.id, 9, root(9), bad), 'EvidenceAnchor__InconsistentCheckpoint');
    expect([inconsistent.gateway, inconsistent.lastSize, inconsistent.size]).toEqual([id, 3n, 9n]);
    // The proof of another pair of sizes, and the right proof for a root of another log.
    await expectRevert(send(asGateway, gw.id, 9, root(9), proof(4, 9)), 'EvidenceAnchor__InconsistentCheckpoint');
    await expectRevert(send(asGateway, gw.id, 9, root(10), proof(3, 9)), 'EvidenceAnchor__InconsistentCheckpoint');
  });

  it('extends the log checkpoint by checkpoint and pages through it from state', async () => {
    const id = hex0x(gw.id);
    for (const [m, n] of [
      [3, 4],
      [4, 9],
      [9, 16],
      [16, 17],
      [17, 24],
    ] as const) {
      await mined(send(asGateway, gw.id, n, root(n), proof(m, n)));
    }
    const sizes = [3n, 4n, 9n, 16n, 17n, 24n];
    const page = (await asGateway.getFunction('checkpoints')(id, 0, 100)) as unknown[][];
    expect(page.map((r) => [r[0], r[1], r[2]])).toEqual(sizes.map((s, i) => [BigInt(i), s, root(Number(s))]));
    expect(((await asGateway.getFunction('checkpoints')(id, 2, 3)) as unknown[][]).map((r) => r[1])).toEqual([9n, 16n, 17n]);
    expect(await asGateway.getFunction('checkpoints')(id, 6, 1)).toEqual([]);
    expect(await asGateway.getFunction('checkpoints')(id, 2n ** 255n, 2n ** 255n)).toEqual([]);
    for (const [i, s] of sizes.entries()) {
      const [exists, r] = (await asGateway.getFunction('checkpointAt')(id, s)) as [boolean, unknown[]];
      expect([exists, r[0], r[1]]).toEqual([true, BigInt(i), s]);
    }
    for (const absent of [1, 2, 5, 8, 10, 23, 25]) {
      expect(((await asGateway.getFunction('checkpointAt')(id, absent)) as [boolean])[0]).toBe(false);
    }
    const [exists, latest] = (await asGateway.getFunction('lastCheckpoint')(id)) as [boolean, unknown[]];
    expect([exists, latest[0], latest[1]]).toEqual([true, 5n, 24n]);
  });

  it('proves every batch of the log against the anchored roots, and nothing else', async () => {
    const check = (h: BatchHeader, logSize: number, path: string[], seq = h.seq) =>
      asGateway.getFunction('isBatchAnchoredInCheckpoint')(
        hex0x(h.gateway),
        seq,
        h.size,
        hex0x(h.root),
        hex0x(h.prev),
        h.closedAt,
        logSize,
        path,
      ) as Promise<boolean>;
    const pathOf = (seq: number, n: number) => log.tree(n).proof(seq).map((p) => hex0x(toHex(p)));
    for (const n of [3, 9, 24]) {
      for (let seq = 0; seq < n; seq++) expect(await check(log.headers[seq]!, n, pathOf(seq, n)), `${seq} in ${n}`).toBe(true);
    }
    const h = log.headers[5]!;
    const path = pathOf(5, 9);
    // A log size no checkpoint has: the honest path of the log of 10 still proves nothing.
    expect(await check(h, 10, pathOf(5, 10))).toBe(false);
    expect(await check(h, 8, pathOf(5, 8))).toBe(false);
    // Each header field the caller supplies, tampered.
    for (const patch of [
      { size: h.size + 1 },
      { root: flip(h.root) },
      { prev: flip(h.prev) },
      { closedAt: h.closedAt + 1 },
      { gateway: 'cd'.repeat(32) },
    ] satisfies Partial<BatchHeader>[]) {
      expect(await check({ ...h, ...patch }, 9, path), JSON.stringify(patch)).toBe(false);
    }
    expect(await check(h, 9, path, 4)).toBe(false);
    expect(await check(h, 9, path, 9)).toBe(false);
    for (let i = 0; i < path.length; i++) {
      expect(await check(h, 9, path.map((p, j) => (j === i ? hex0x(flip(p.slice(2))) : p)))).toBe(false);
    }
    expect(await check(h, 9, path.slice(0, -1))).toBe(false);
    expect(await check(h, 9, [...path, path[0]!])).toBe(false);
  });

  it('keeps a checkpoint gateway off per-batch anchoring, and a per-batch gateway off checkpoints', async () => {
    const id = hex0x(gw.id);
    const b = makeSignedBatch('keccak256', gw, 0, toHex(ZERO32));
    const h = b.header;
    const perBatch = asGateway.getFunction('anchor')(id, h.seq, 1, h.size, hex0x(h.root), hex0x(h.prev), h.closedAt);
    expect((await expectRevert(perBatch, 'EvidenceAnchor__AnchoredByCheckpoints')).gateway).toBe(id);

    const other = await system.addGateway('H330100021', 3);
    const asOther = system.contract('EvidenceAnchor', other.wallet);
    const first = makeSignedBatch('keccak256', other, 0, toHex(ZERO32));
    await system.anchorAs(other.wallet).anchor(first.header, first.signature);
    const refused = await expectRevert(send(asOther, other.id, 1, hex0x(toHex(headerHash(first.header))), []), 'EvidenceAnchor__AnchoredPerBatch');
    expect([refused.gateway, refused.nextSeq]).toEqual([hex0x(other.id), 1n]);
    // Its per-batch anchoring goes on.
    const second = makeSignedBatch('keccak256', other, 1, toHex(headerHash(first.header)));
    await system.anchorAs(other.wallet).anchor(second.header, second.signature);
    expect(((await asOther.getFunction('latest')(hex0x(other.id))) as unknown[])[1]).toBe(1n);
  });

  it('rotates a checkpoint gateway key from the first batch no checkpoint covers', async () => {
    const id = hex0x(gw.id);
    const next = generateSm2KeyPair();
    await rotateGatewayKey(governor(), { gateway: gw.id, publicKey: next.publicKey });
    expect(await asGateway.getFunction('keyAt')(id, 23)).toBe(hex0x(gw.publicKey));
    expect(await asGateway.getFunction('keyAt')(id, 24)).toBe(hex0x(next.publicKey));
    const history = (await asGateway.getFunction('keyHistory')(id)) as unknown[][];
    expect(history.map((k) => k[0])).toEqual([0n, 24n]);
  });

  it("anchors the independent implementation's log through its own consistency proofs and proves its v2 bundles", async () => {
    const vectorCps = v2.checkpoints.filter((c) => c.checkpoint.alg === 'keccak256');
    const gateway = vectorCps[0]!.checkpoint.gateway;
    const wallet = system.chain.wallet(5);
    await registerGateway(governor(), { gateway, account: wallet.address, publicKey: vectorCps[0]!.signature.publicKey });
    const c = system.contract('EvidenceAnchor', wallet);
    const cpRoot = (n: number) => hex0x(vectorCps.find((x) => x.checkpoint.size === n)!.checkpoint.root);
    const step = (m: number, n: number) => v2.consistency.find((x) => x.alg === 'keccak256' && x.first === m && x.second === n)!;
    await mined(send(c, gateway, 4, cpRoot(4), []));
    const toEight = step(4, 8);
    expect(hex0x(toEight.firstRoot)).toBe(cpRoot(4));
    await mined(send(c, gateway, 8, hex0x(toEight.secondRoot), toEight.proof.map(hex0x)));
    const toNine = step(8, 9);
    expect(hex0x(toNine.secondRoot)).toBe(cpRoot(9));
    await mined(send(c, gateway, 9, cpRoot(9), toNine.proof.map(hex0x)));

    const bundles = v2.bundles.filter((b) => b.valid && b.bundle.format === 'evidence-proof/2' && b.bundle.batch.alg === 'keccak256').map((b) => b.bundle);
    expect(bundles.length).toBeGreaterThanOrEqual(3);
    for (const b of bundles) {
      const h = b.batch;
      const args = [hex0x(h.gateway), h.seq, h.size, hex0x(h.root), hex0x(h.prev), h.closedAt, b.log.inclusion.size, b.log.inclusion.path.map(hex0x)];
      expect(await c.getFunction('isBatchAnchoredInCheckpoint')(...args), `batch ${h.seq} in ${b.log.inclusion.size}`).toBe(true);
      expect(await c.getFunction('checkpointRootOf')(hex0x(gateway), b.log.checkpoint.size)).toBe(hex0x(b.log.checkpoint.root));
    }
  });
});
