/**
 * EvidenceAnchor as a contract: registration and governance, the ordering
 * rules of spec section 6 (gap, fork, replay, wrong sender, wrong alg), the
 * vector headers anchored with their exact header hashes, key rotation with
 * history, and the views.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALG_CODE, generateSm2KeyPair, headerHash, toHex, ZERO32, type BatchHeader } from '@evidence/core';
import type { Contract, TransactionReceipt } from 'ethers';
import { vectors } from '../../test/support/vectors.js';
import { makeSignedBatch } from '../../test/conformance/anchor.js';
import { registerNode, rotateGatewayKey, rotateNodeKey, setParticipantAccount, setParticipantActive } from '../src/index.js';
import { deploySystem, expectRevert, hex0x, type GatewayIdentity, type System } from './fixture.js';

const zero = toHex(ZERO32);

function anchorArgs(h: BatchHeader) {
  return [hex0x(h.gateway), h.seq, ALG_CODE[h.alg], h.size, hex0x(h.root), hex0x(h.prev), h.closedAt] as const;
}

describe('EvidenceAnchor', () => {
  let system: System;
  let gw: GatewayIdentity;
  let asGateway: Contract;
  let governor: { signer: System['admin']; address: string };

  beforeAll(async () => {
    system = await deploySystem();
    gw = await system.addGateway('H330100002', 1);
    asGateway = system.contract('EvidenceAnchor', gw.wallet);
    governor = { signer: system.admin, address: system.deployment.contracts.EvidenceAnchor };
  });
  afterAll(() => system.close());

  describe('registration', () => {
    it('records the gateway with its account, key and active flag', async () => {
      const reader = system.contract('EvidenceAnchor');
      const [kind, account, active, nextSeq] = await reader.getFunction('participant')(hex0x(gw.id));
      expect([kind, account, active, nextSeq]).toEqual([1n, gw.wallet.address, true, 0n]);
      expect(await reader.getFunction('keyAt')(hex0x(gw.id), 0)).toBe(hex0x(gw.publicKey));
      expect(await reader.getFunction('isGatewayAccount')(hex0x(gw.id), gw.wallet.address)).toBe(true);
      expect(await reader.getFunction('latest')(hex0x(gw.id))).toEqual([false, 0n, ZERO_0X]);
    });

    it('refuses a second registration of the same id', async () => {
      const c = system.contract('EvidenceAnchor', system.admin);
      const args = await expectRevert(
        c.getFunction('registerGateway')(hex0x(gw.id), gw.wallet.address, hex0x(gw.publicKey)),
        'EvidenceAnchor__AlreadyRegistered',
      );
      expect(args.id).toBe(hex0x(gw.id));
    });

    it('refuses registration by an account without the governor role', async () => {
      const c = system.contract('EvidenceAnchor', system.chain.wallet(9));
      await expectRevert(
        c.getFunction('registerGateway')(hex0x('aa'.repeat(32)), gw.wallet.address, hex0x(gw.publicKey)),
        'AccessControlUnauthorizedAccount',
      );
    });

    it('refuses malformed keys, zero accounts and the zero id', async () => {
      const c = system.contract('EvidenceAnchor', system.admin);
      const id = hex0x('ab'.repeat(32));
      const key = generateSm2KeyPair().publicKey;
      await expectRevert(c.getFunction('registerGateway')(id, gw.wallet.address, hex0x(key.slice(2))), 'EvidenceAnchor__InvalidPublicKey');
      await expectRevert(c.getFunction('registerGateway')(id, gw.wallet.address, hex0x(`05${key.slice(2)}`)), 'EvidenceAnchor__InvalidPublicKey');
      await expectRevert(c.getFunction('registerGateway')(id, ZERO_ADDRESS, hex0x(key)), 'EvidenceAnchor__ZeroAccount');
      await expectRevert(c.getFunction('registerGateway')(ZERO_0X, gw.wallet.address, hex0x(key)), 'EvidenceAnchor__ZeroId');
    });

    it('the registerGateway action checks the SM2 key before sending', async () => {
      await expect(
        rotateGatewayKey(governor, { gateway: gw.id, publicKey: `04${'00'.repeat(64)}` }),
      ).rejects.toMatchObject({ code: 'SM2_BAD_PUBLIC_KEY' });
    });
  });

  describe('anchoring the vector headers', () => {
    let vectorGateway: GatewayIdentity;
    const [h0, h1] = vectors.headers.filter((h) => h.header.alg === 'keccak256');

    beforeAll(async () => {
      // The vectors' gateway, with the vectors' key, on its own account.
      const c = system.contract('EvidenceAnchor', system.admin);
      const wallet = system.chain.wallet(2);
      await (await c.getFunction('registerGateway')(hex0x(h0!.header.gateway), wallet.address, hex0x(h0!.publicKey))).wait();
      vectorGateway = { code: 'vectors', id: h0!.header.gateway, privateKey: '', publicKey: h0!.publicKey, wallet };
    });

    it('emits BatchAnchored with the vector header hashes, seq 0 then 1', async () => {
      const c = system.contract('EvidenceAnchor', vectorGateway.wallet);
      for (const v of [h0!, h1!]) {
        const receipt = (await (await c.getFunction('anchor')(...anchorArgs(v.header))).wait()) as TransactionReceipt;
        const event = receipt.logs.map((l) => c.interface.parseLog(l)).find((e) => e?.name === 'BatchAnchored');
        expect(event!.args.toObject()).toEqual({
          gateway: hex0x(v.header.gateway),
          seq: BigInt(v.header.seq),
          root: hex0x(v.header.root),
          size: BigInt(v.header.size),
          headerHash: hex0x(v.headerHash),
        });
      }
      const reader = system.contract('EvidenceAnchor');
      expect(await reader.getFunction('latest')(hex0x(h0!.header.gateway))).toEqual([true, 1n, hex0x(h1!.headerHash)]);
      expect(await reader.getFunction('batchRoot')(hex0x(h0!.header.gateway), 0)).toBe(hex0x(h0!.header.root));
      expect(await reader.getFunction('isAnchored')(hex0x(h0!.header.gateway), 1, hex0x(h1!.header.root))).toBe(true);
      expect(await reader.getFunction('isAnchored')(hex0x(h0!.header.gateway), 1, hex0x(h0!.header.root))).toBe(false);
      expect(await reader.getFunction('isAnchored')(hex0x(h0!.header.gateway), 2, ZERO_0X)).toBe(false);
    });
  });

  describe('ordering (spec section 6)', () => {
    const batches: ReturnType<typeof makeSignedBatch>[] = [];

    it('refuses seq 1 as the first batch (a gap)', async () => {
      const b = makeSignedBatch('keccak256', gw, 1, zero);
      const args = await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__OutOfOrder');
      expect([args.expected, args.seq]).toEqual([0n, 1n]);
    });

    it('refuses a first batch whose prev is not zero (a fork)', async () => {
      const b = makeSignedBatch('keccak256', gw, 0, 'ee'.repeat(32));
      const args = await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__Fork');
      expect([args.expected, args.prev]).toEqual([ZERO_0X, hex0x('ee'.repeat(32))]);
    });

    it('anchors seq 0 and 1 linked by prev', async () => {
      batches.push(makeSignedBatch('keccak256', gw, 0, zero, 4));
      await (await asGateway.getFunction('anchor')(...anchorArgs(batches[0]!.header))).wait();
      batches.push(makeSignedBatch('keccak256', gw, 1, toHex(headerHash(batches[0]!.header)), 2));
      await (await asGateway.getFunction('anchor')(...anchorArgs(batches[1]!.header))).wait();
      const [exists, seq, last] = await asGateway.getFunction('latest')(hex0x(gw.id));
      expect([exists, seq, last]).toEqual([true, 1n, hex0x(toHex(headerHash(batches[1]!.header)))]);
    });

    it('refuses a replay of an anchored batch', async () => {
      const args = await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(batches[1]!.header)), 'EvidenceAnchor__OutOfOrder');
      expect([args.expected, args.seq]).toEqual([2n, 1n]);
    });

    it('refuses a rewrite of seq 1 and a gap to seq 3', async () => {
      const rewrite = makeSignedBatch('keccak256', gw, 1, toHex(headerHash(batches[0]!.header)), 7);
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(rewrite.header)), 'EvidenceAnchor__OutOfOrder');
      const gap = makeSignedBatch('keccak256', gw, 3, toHex(headerHash(batches[1]!.header)));
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(gap.header)), 'EvidenceAnchor__OutOfOrder');
    });

    it('refuses seq 2 whose prev is an older batch (a fork)', async () => {
      const fork = makeSignedBatch('keccak256', gw, 2, toHex(headerHash(batches[0]!.header)));
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(fork.header)), 'EvidenceAnchor__Fork');
    });

    it("refuses a batch sent by an account that is not the gateway's", async () => {
      const b = makeSignedBatch('keccak256', gw, 2, toHex(headerHash(batches[1]!.header)));
      const intruder = system.contract('EvidenceAnchor', system.chain.wallet(7));
      const args = await expectRevert(intruder.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__Unauthorized');
      expect(args.sender).toBe(system.chain.wallet(7).address);
      // not even the governor may anchor for a gateway
      const admin = system.contract('EvidenceAnchor', system.admin);
      await expectRevert(admin.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__Unauthorized');
    });

    it('refuses alg sm3 and unknown alg codes', async () => {
      const b = makeSignedBatch('sm3', gw, 2, toHex(headerHash(batches[1]!.header)));
      const args = await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__UnsupportedAlgorithm');
      expect(args.alg).toBe(2n);
      const raw = [...anchorArgs(b.header)];
      raw[2] = 0;
      await expectRevert(asGateway.getFunction('anchor')(...raw), 'EvidenceAnchor__UnsupportedAlgorithm');
    });

    it('refuses an unregistered gateway, an empty batch and a zero root', async () => {
      const stranger = makeSignedBatch('keccak256', { ...generateSm2KeyPair(), id: 'cd'.repeat(32) }, 0, zero);
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(stranger.header)), 'EvidenceAnchor__UnknownGateway');
      const b = makeSignedBatch('keccak256', gw, 2, toHex(headerHash(batches[1]!.header)));
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs({ ...b.header, size: 0 })), 'EvidenceAnchor__EmptyBatch');
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs({ ...b.header, root: zero })), 'EvidenceAnchor__EmptyBatch');
    });

    it('a deactivated gateway cannot anchor until reactivated', async () => {
      const b = makeSignedBatch('keccak256', gw, 2, toHex(headerHash(batches[1]!.header)));
      await setParticipantActive(governor, { id: gw.id, active: false });
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__Inactive');
      await expect(setParticipantActive(governor, { id: gw.id, active: false })).rejects.toMatchObject({
        code: 'ANCHOR_REJECTED',
        message: expect.stringContaining('EvidenceAnchor__ActiveUnchanged'),
      });
      await setParticipantActive(governor, { id: gw.id, active: true });
      await (await asGateway.getFunction('anchor')(...anchorArgs(b.header))).wait();
      batches.push(b);
    });

    it('a new account takes over anchoring; the old one is refused', async () => {
      const next = system.chain.wallet(5);
      await setParticipantAccount(governor, { id: gw.id, account: next.address });
      const b = makeSignedBatch('keccak256', gw, 3, toHex(headerHash(batches[2]!.header)));
      await expectRevert(asGateway.getFunction('anchor')(...anchorArgs(b.header)), 'EvidenceAnchor__Unauthorized');
      await (await system.contract('EvidenceAnchor', next).getFunction('anchor')(...anchorArgs(b.header))).wait();
      batches.push(b);
      await setParticipantAccount(governor, { id: gw.id, account: gw.wallet.address });
    });
  });

  describe('key rotation', () => {
    it('keeps which key was valid for which seq range', async () => {
      const reader = system.contract('EvidenceAnchor');
      const [, , , nextSeq] = await reader.getFunction('participant')(hex0x(gw.id));
      expect(nextSeq).toBe(4n);
      const k2 = generateSm2KeyPair().publicKey;
      const k3 = generateSm2KeyPair().publicKey;
      await rotateGatewayKey(governor, { gateway: gw.id, publicKey: k2 });
      // seq 4 anchored under k2, then another rotation
      const latest = await reader.getFunction('latest')(hex0x(gw.id));
      const b4 = makeSignedBatch('keccak256', gw, 4, (latest[2] as string).slice(2));
      await (await asGateway.getFunction('anchor')(...anchorArgs(b4.header))).wait();
      await rotateGatewayKey(governor, { gateway: gw.id, publicKey: k3 });

      const keyAt = async (seq: number) => ((await reader.getFunction('keyAt')(hex0x(gw.id), seq)) as string).slice(2);
      expect(await keyAt(0)).toBe(gw.publicKey);
      expect(await keyAt(3)).toBe(gw.publicKey);
      expect(await keyAt(4)).toBe(k2);
      expect(await keyAt(5)).toBe(k3);
      expect(await keyAt(1_000_000)).toBe(k3);
      const history = (await reader.getFunction('keyHistory')(hex0x(gw.id))) as { fromSeq: bigint; publicKey: string }[];
      expect(history.map((e) => [e.fromSeq, e.publicKey.slice(2)])).toEqual([
        [0n, gw.publicKey],
        [4n, k2],
        [5n, k3],
      ]);
      expect(await reader.getFunction('keyAt')(hex0x('12'.repeat(32)), 0)).toBe('0x');
    });

    it('routing nodes rotate by time', async () => {
      const reader = system.contract('EvidenceAnchor');
      const node = { id: '34'.repeat(32), k1: generateSm2KeyPair().publicKey, k2: generateSm2KeyPair().publicKey };
      const { blockNumber } = await registerNode(governor, { node: node.id, account: system.chain.wallet(6).address, publicKey: node.k1 });
      const registeredAt = (await system.chain.provider.getBlock(blockNumber))!.timestamp * 1000;
      await system.chain.increaseTime(60);
      const rotated = await rotateNodeKey(governor, { node: node.id, publicKey: node.k2 });
      const rotatedAt = (await system.chain.provider.getBlock(rotated.blockNumber))!.timestamp * 1000;
      const keyAtTime = async (t: number) => ((await reader.getFunction('keyAtTime')(hex0x(node.id), t)) as string).slice(2);
      expect(await keyAtTime(registeredAt - 1)).toBe('');
      expect(await keyAtTime(registeredAt)).toBe(node.k1);
      expect(await keyAtTime(rotatedAt - 1)).toBe(node.k1);
      expect(await keyAtTime(rotatedAt)).toBe(node.k2);
      const [kind] = await reader.getFunction('participant')(hex0x(node.id));
      expect(kind).toBe(2n);
      // a node is not a gateway: it cannot anchor
      const b = makeSignedBatch('keccak256', { ...generateSm2KeyPair(), id: node.id }, 0, zero);
      await expectRevert(
        system.contract('EvidenceAnchor', system.chain.wallet(6)).getFunction('anchor')(...anchorArgs(b.header)),
        'EvidenceAnchor__UnknownGateway',
      );
    });

    it('refuses rotation of an unknown id and by a non-governor', async () => {
      const key = generateSm2KeyPair().publicKey;
      await expect(rotateGatewayKey(governor, { gateway: '56'.repeat(32), publicKey: key })).rejects.toMatchObject({
        code: 'ANCHOR_REJECTED',
        message: expect.stringContaining('EvidenceAnchor__UnknownParticipant'),
      });
      await expect(
        rotateGatewayKey({ signer: gw.wallet, address: governor.address }, { gateway: gw.id, publicKey: key }),
      ).rejects.toMatchObject({ code: 'ANCHOR_UNAUTHORIZED', message: expect.stringContaining('AccessControlUnauthorizedAccount') });
    });
  });
});

const ZERO_0X = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
