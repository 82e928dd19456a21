import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import { createInProcessChain, deployAll, registerGateway, registerNode, rotateNodeKey, setParticipantActive, type InProcessChain } from '@evidence/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evmKeySource } from './evm.js';
import { KeyRing } from './key-source.js';

describe('evmKeySource: node and gateway keys from the EvidenceAnchor registry', () => {
  let chain: InProcessChain;
  let address: string;
  beforeAll(async () => {
    chain = await createInProcessChain();
    address = (await deployAll({ signer: chain.wallet(0) })).contracts.EvidenceAnchor;
  });
  afterAll(async () => {
    await chain?.close();
  });

  it('answers registered keys, follows rotations and deactivation, and knows nothing of strangers', async () => {
    const governor = { signer: chain.wallet(0), address };
    const node = toHex(entityId('RN-HZ-01'));
    const gateway = toHex(entityId('H330100001'));
    const [k1, k2, gk] = [generateSm2KeyPair(), generateSm2KeyPair(), generateSm2KeyPair()];
    await registerNode(governor, { node, account: chain.wallet(1).address, publicKey: k1.publicKey });
    await registerGateway(governor, { gateway, account: chain.wallet(2).address, publicKey: gk.publicKey });
    const keys = evmKeySource({ runner: chain.provider, address });

    expect(await keys(node)).toBe(k1.publicKey);
    expect(await keys(gateway)).toBe(gk.publicKey);
    expect(await keys(toHex(entityId('RN-NOBODY')))).toBeUndefined();
    expect(await keys('not an id')).toBeUndefined();

    // Rotation: the newest key from then on; the old one for times before it.
    const before = Number((await chain.provider.getBlock('latest'))!.timestamp) * 1000;
    await rotateNodeKey(governor, { node, publicKey: k2.publicKey });
    expect(await keys(node)).toBe(k2.publicKey);
    expect(await evmKeySource({ runner: chain.provider, address, at: () => before })(node)).toBe(k1.publicKey);

    // A deactivated node has no key: its hops stop verifying.
    await setParticipantActive(governor, { id: node, active: false });
    expect(await keys(node)).toBeUndefined();
    const ring = new KeyRing(keys);
    expect(await ring.publicKey(node)).toBeUndefined();
    expect(await ring.publicKey(gateway)).toBe(gk.publicKey);
  });

  it('reports a chain it cannot read as KEYS_UNAVAILABLE, not as an unknown key', async () => {
    const { JsonRpcProvider } = await import('ethers');
    const dead = new JsonRpcProvider('http://127.0.0.1:9', 31337, { staticNetwork: true });
    try {
      await expect(evmKeySource({ runner: dead, address })(toHex(entityId('RN-HZ-01')))).rejects.toMatchObject({ code: 'KEYS_UNAVAILABLE' });
    } finally {
      dead.destroy();
    }
  });
});
