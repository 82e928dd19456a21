/**
 * Witness identities on EvidenceAnchor (spec section 10): standalone witnesses
 * registered with their own kind, gateways and routing nodes given the witness
 * role with their existing keys, the list read from state, key rotation and
 * deactivation as for any participant, and the refusals by custom error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALG_CODE, generateSm2KeyPair, toHex, ZERO32 } from '@evidence/core';
import type { TransactionReceipt } from 'ethers';
import { makeSignedBatch } from '../../test/conformance/anchor.js';
import {
  contractInterface,
  listWitnesses,
  registerNode,
  registerWitness,
  rotateNodeKey,
  setParticipantActive,
  setWitness,
} from '../src/index.js';
import { deploySystem, expectRevert, hex0x, type GatewayIdentity, type System } from './fixture.js';

describe('EvidenceAnchor witnesses', () => {
  let system: System;
  let governor: { signer: System['admin']; address: string };
  let gw: GatewayIdentity;
  const court = { id: 'c0'.repeat(32), key: generateSm2KeyPair().publicKey };
  const regulator = { id: 'c1'.repeat(32), key: generateSm2KeyPair().publicKey };
  const node = { id: 'c2'.repeat(32), key: generateSm2KeyPair().publicKey };
  const reader = () => system.contract('EvidenceAnchor');
  const isWitness = async (id: string) => (await reader().getFunction('isWitness')(hex0x(id))) as boolean;
  const listed = async () => (await listWitnesses({ runner: system.chain.provider, address: governor.address })).map((w) => [w.id, w.kind, w.active, w.publicKey]);

  beforeAll(async () => {
    system = await deploySystem();
    governor = { signer: system.admin, address: system.deployment.contracts.EvidenceAnchor };
    gw = await system.addGateway('H330100077', 1);
  });
  afterAll(() => system.close());

  it('registers a standalone witness with its own kind, the witness role, its key, and WitnessRegistered', async () => {
    expect(await listed()).toEqual([]);
    expect(await reader().getFunction('countWitnesses')()).toBe(0n);
    const ref = await registerWitness(governor, { witness: court.id, account: system.chain.wallet(7).address, publicKey: court.key });
    const receipt = (await system.chain.provider.getTransactionReceipt(ref.txHash)) as TransactionReceipt;
    const events = receipt.logs.map((l) => contractInterface('EvidenceAnchor').parseLog(l)!).map((e) => [e.name, ...e.args]);
    expect(events).toEqual([['WitnessRegistered', hex0x(court.id), system.chain.wallet(7).address, hex0x(court.key)]]);
    const [kind, account, active] = await reader().getFunction('participant')(hex0x(court.id));
    expect([kind, account, active]).toEqual([3n, system.chain.wallet(7).address, true]);
    expect(await isWitness(court.id)).toBe(true);
    expect(await reader().getFunction('countWitnesses')()).toBe(1n);
    expect(await listed()).toEqual([[court.id, 'witness', true, court.key]]);
    expect(await isWitness(gw.id)).toBe(false);
  });

  it('a standalone witness cannot anchor: it is not a gateway', async () => {
    const b = makeSignedBatch('keccak256', { ...generateSm2KeyPair(), id: court.id }, 0, toHex(ZERO32));
    const h = b.header;
    await expectRevert(
      system.contract('EvidenceAnchor', system.chain.wallet(7)).getFunction('anchor')(hex0x(h.gateway), h.seq, ALG_CODE[h.alg], h.size, hex0x(h.root), hex0x(h.prev), h.closedAt),
      'EvidenceAnchor__UnknownGateway',
    );
    await expectRevert(
      system.contract('EvidenceAnchor', system.chain.wallet(7)).getFunction('anchorCheckpoint')(hex0x(court.id), 1, 1, hex0x('11'.repeat(32)), 1, []),
      'EvidenceAnchor__UnknownGateway',
    );
  });

  it('gives a routing node and a gateway the witness role with their existing keys, and WitnessSet', async () => {
    await registerNode(governor, { node: node.id, account: system.chain.wallet(6).address, publicKey: node.key });
    expect(await isWitness(node.id)).toBe(false);
    const ref = await setWitness(governor, { id: node.id, witness: true });
    const receipt = (await system.chain.provider.getTransactionReceipt(ref.txHash)) as TransactionReceipt;
    const events = receipt.logs.map((l) => contractInterface('EvidenceAnchor').parseLog(l)!).map((e) => [e.name, ...e.args]);
    expect(events).toEqual([['WitnessSet', hex0x(node.id), true]]);
    await setWitness(governor, { id: gw.id, witness: true });
    expect([await isWitness(node.id), await isWitness(gw.id)]).toEqual([true, true]);
    expect(await listed()).toEqual([
      [court.id, 'witness', true, court.key],
      [node.id, 'node', true, node.key],
      [gw.id, 'gateway', true, gw.publicKey],
    ]);
  });

  it('a gateway holding the witness role still anchors as before', async () => {
    const b = makeSignedBatch('keccak256', gw, 0, toHex(ZERO32));
    const h = b.header;
    const tx = await system.contract('EvidenceAnchor', gw.wallet).getFunction('anchor')(hex0x(h.gateway), h.seq, ALG_CODE[h.alg], h.size, hex0x(h.root), hex0x(h.prev), h.closedAt);
    expect((await tx.wait())?.status).toBe(1);
    expect(await reader().getFunction('isAnchored')(hex0x(gw.id), 0, hex0x(h.root))).toBe(true);
  });

  it('lists the current key after a rotation, and keeps the history', async () => {
    const k2 = generateSm2KeyPair().publicKey;
    await rotateNodeKey(governor, { node: court.id, publicKey: k2 });
    expect((await listed())[0]).toEqual([court.id, 'witness', true, k2]);
    const history = (await reader().getFunction('keyHistory')(hex0x(court.id))) as { publicKey: string }[];
    expect(history.map((e) => e.publicKey.slice(2))).toEqual([court.key, k2]);
    court.key = k2;
  });

  it('a deactivated witness is listed inactive, is no witness for isWitness, and leaves the active list until reactivated', async () => {
    await setParticipantActive(governor, { id: node.id, active: false });
    expect(await isWitness(node.id)).toBe(false);
    expect(await listed()).toContainEqual([node.id, 'node', false, node.key]);
    const active = await listWitnesses({ runner: system.chain.provider, address: governor.address }, { activeOnly: true });
    expect(active.map((w) => w.id)).toEqual([court.id, gw.id]);
    await setParticipantActive(governor, { id: node.id, active: true });
    expect(await isWitness(node.id)).toBe(true);
  });

  it('takes the role away (the last witness moves into the gap) and gives it back', async () => {
    await setWitness(governor, { id: node.id, witness: false });
    expect(await isWitness(node.id)).toBe(false);
    expect(await listed()).toEqual([
      [court.id, 'witness', true, court.key],
      [gw.id, 'gateway', true, gw.publicKey],
    ]);
    await setWitness(governor, { id: node.id, witness: true });
    expect(await reader().getFunction('countWitnesses')()).toBe(3n);
    // Pages past the end are empty; a short page is cut at the end.
    expect(await reader().getFunction('witnesses')(3, 10)).toEqual([]);
    expect(((await reader().getFunction('witnesses')(1, 10)) as unknown[]).length).toBe(2);
    expect(((await reader().getFunction('witnesses')(0, 1)) as unknown[]).length).toBe(1);
  });

  it('lists many witnesses across pages of 256', async () => {
    const before = (await listed()).length;
    const ids: string[] = [];
    for (let i = 0; i < 260; i++) {
      const id = `d0${i.toString(16).padStart(62, '0')}`;
      ids.push(id);
      await registerWitness(governor, { witness: id, account: system.chain.wallet(8).address, publicKey: regulator.key });
    }
    const all = await listed();
    expect(all.length).toBe(before + 260);
    expect(all.slice(before).map((w) => w[0])).toEqual(ids);
  }, 120_000);

  it('refuses with custom errors: a second registration, a standalone witness losing the role, an unchanged role, an unknown id, bad keys', async () => {
    const c = system.contract('EvidenceAnchor', system.admin);
    const again = await expectRevert(c.getFunction('registerWitness')(hex0x(court.id), system.chain.wallet(7).address, hex0x(court.key)), 'EvidenceAnchor__AlreadyRegistered');
    expect(again.id).toBe(hex0x(court.id));
    await expectRevert(c.getFunction('registerWitness')(hex0x(gw.id), system.chain.wallet(7).address, hex0x(court.key)), 'EvidenceAnchor__AlreadyRegistered');
    const standalone = await expectRevert(c.getFunction('setWitness')(hex0x(court.id), false), 'EvidenceAnchor__StandaloneWitness');
    expect(standalone.id).toBe(hex0x(court.id));
    const unchanged = await expectRevert(c.getFunction('setWitness')(hex0x(gw.id), true), 'EvidenceAnchor__WitnessUnchanged');
    expect([unchanged.id, unchanged.witness]).toEqual([hex0x(gw.id), true]);
    await expectRevert(c.getFunction('setWitness')(hex0x('ee'.repeat(32)), true), 'EvidenceAnchor__UnknownParticipant');
    const fresh = hex0x('ef'.repeat(32));
    await expectRevert(c.getFunction('registerWitness')(fresh, system.chain.wallet(7).address, hex0x(court.key.slice(2))), 'EvidenceAnchor__InvalidPublicKey');
    await expectRevert(c.getFunction('registerWitness')(fresh, `0x${'00'.repeat(20)}`, hex0x(court.key)), 'EvidenceAnchor__ZeroAccount');
    await expectRevert(c.getFunction('registerWitness')(`0x${'00'.repeat(32)}`, system.chain.wallet(7).address, hex0x(court.key)), 'EvidenceAnchor__ZeroId');
    await expect(registerWitness(governor, { witness: 'ef'.repeat(32), account: system.chain.wallet(7).address, publicKey: `04${'00'.repeat(64)}` })).rejects.toMatchObject({
      code: 'SM2_BAD_PUBLIC_KEY',
    });
  });

  it('only the governor registers witnesses and sets the role', async () => {
    const stranger = system.contract('EvidenceAnchor', system.chain.wallet(9));
    await expectRevert(stranger.getFunction('registerWitness')(hex0x('ab'.repeat(32)), system.chain.wallet(9).address, hex0x(court.key)), 'AccessControlUnauthorizedAccount');
    await expectRevert(stranger.getFunction('setWitness')(hex0x(gw.id), false), 'AccessControlUnauthorizedAccount');
    await expect(setWitness({ signer: system.chain.wallet(9), address: governor.address }, { id: gw.id, witness: false })).rejects.toMatchObject({
      code: 'ANCHOR_UNAUTHORIZED',
    });
  });
});
