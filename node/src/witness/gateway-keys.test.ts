import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityId, generateSm2KeyPair, toHex } from '@evidence/core';
import { createInProcessChain, deployAll, registerGateway, registerNode, rotateGatewayKey, setParticipantActive, type InProcessChain } from '@evidence/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryEntry, signDirectory } from '../directory/directory.js';
import { staticKeySource } from '../keys/key-source.js';
import { evmGatewayKeys } from './gateway-keys-evm.js';
import { cachedGatewayKeys, directoryGatewayKeys, keySourceGatewayKeys } from './gateway-keys.js';
import type { GatewayKeys } from './types.js';

const GW = toHex(entityId('H330100001'));
const NODE = toHex(entityId('RN-HZ-01'));

describe('cachedGatewayKeys', () => {
  it('reuses answers (unknown gateways included) for the time to live, per (gateway, seq), and shares concurrent reads', async () => {
    const key = generateSm2KeyPair().publicKey;
    const reads: string[] = [];
    const inner: GatewayKeys = async (gateway, seq) => {
      reads.push(`${gateway.slice(0, 4)}:${seq}`);
      await new Promise((r) => setTimeout(r, 5));
      return gateway === GW ? key : null;
    };
    const keys = cachedGatewayKeys(inner, 60_000);
    expect(await Promise.all([keys(GW, 3), keys(GW, 3), keys(GW, 3)])).toEqual([key, key, key]);
    expect(await keys(GW, 3)).toBe(key);
    expect(await keys(NODE, 3)).toBeNull();
    expect(await keys(NODE, 3)).toBeNull();
    expect(await keys(GW, 4)).toBe(key);
    expect(reads).toEqual([`${GW.slice(0, 4)}:3`, `${NODE.slice(0, 4)}:3`, `${GW.slice(0, 4)}:4`]);
  });

  it('reads again after the time to live, never keeps a failure, and keeps at most maxEntries answers', async () => {
    let current: string | null = 'a';
    let fail = false;
    let reads = 0;
    const inner: GatewayKeys = async () => {
      reads++;
      if (fail) throw new Error('chain down');
      return current;
    };
    const short = cachedGatewayKeys(inner, 20);
    expect(await short(GW, 0)).toBe('a');
    current = null;
    expect(await short(GW, 0)).toBe('a');
    await new Promise((r) => setTimeout(r, 30));
    expect(await short(GW, 0)).toBeNull();

    fail = true;
    const keys = cachedGatewayKeys(inner, 60_000, 2);
    await expect(keys(GW, 1)).rejects.toThrow('chain down');
    fail = false;
    current = 'b';
    expect(await keys(GW, 1)).toBe('b');
    await keys(GW, 2);
    await keys(GW, 3);
    const before = reads;
    await keys(GW, 1); // the oldest, dropped
    expect(reads).toBe(before + 1);
    expect(cachedGatewayKeys(inner, 0)).toBe(inner);
  });
});

describe('directoryGatewayKeys and keySourceGatewayKeys', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'witness-directory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("answers gateway entries of the operator's signed directory only, not nodes, not strangers", async () => {
    const operator = generateSm2KeyPair();
    const [gk, nk] = [generateSm2KeyPair(), generateSm2KeyPair()];
    const file = join(dir, 'directory.json');
    const doc = signDirectory(
      {
        format: 'evidence-directory/1',
        network: 'test',
        version: 1,
        issuedAt: 1,
        entries: [directoryEntry('H330100001', gk.publicKey, 'gateway'), directoryEntry('RN-HZ-01', nk.publicKey, 'node')],
      },
      operator.privateKey,
      operator.publicKey,
    );
    await writeFile(file, JSON.stringify(doc));
    const keys = directoryGatewayKeys(file, operator.publicKey);
    expect(await keys(GW, 0)).toBe(gk.publicKey);
    expect(await keys(GW, 123456)).toBe(gk.publicKey);
    expect(await keys(NODE, 0)).toBeNull();
    expect(await keys(toHex(entityId('H339999999')), 0)).toBeNull();
    // A directory signed by someone else is never read.
    await expect(directoryGatewayKeys(file, generateSm2KeyPair().publicKey)(GW, 0)).rejects.toMatchObject({ code: 'DIRECTORY_BAD_SIGNATURE' });
  });

  it('a key source answers whatever it holds', async () => {
    const k = generateSm2KeyPair().publicKey;
    const keys = keySourceGatewayKeys(staticKeySource([{ id: GW, publicKey: k }]));
    expect(await keys(GW, 7)).toBe(k);
    expect(await keys(NODE, 7)).toBeNull();
  });
});

describe('evmGatewayKeys: EvidenceAnchor on an in-process chain', () => {
  let chain: InProcessChain;
  let address: string;
  beforeAll(async () => {
    chain = await createInProcessChain();
    address = (await deployAll({ signer: chain.wallet(0) })).contracts.EvidenceAnchor;
  });
  afterAll(async () => {
    await chain?.close();
  });

  it('answers registered, active gateways with their key, follows rotation and deactivation, and knows neither nodes nor strangers', async () => {
    const governor = { signer: chain.wallet(0), address };
    const [k1, k2, nk] = [generateSm2KeyPair(), generateSm2KeyPair(), generateSm2KeyPair()];
    await registerGateway(governor, { gateway: GW, account: chain.wallet(2).address, publicKey: k1.publicKey });
    await registerNode(governor, { node: NODE, account: chain.wallet(3).address, publicKey: nk.publicKey });
    const keys = evmGatewayKeys({ provider: chain.provider, address });
    try {
      expect(await keys(GW, 0)).toBe(k1.publicKey);
      expect(await keys(GW, 1000)).toBe(k1.publicKey);
      expect(await keys(NODE, 0)).toBeNull();
      expect(await keys(toHex(entityId('H339999999')), 0)).toBeNull();
      await rotateGatewayKey(governor, { gateway: GW, publicKey: k2.publicKey });
      expect(await keys(GW, 1000)).toBe(k2.publicKey);
      await setParticipantActive(governor, { id: GW, active: false });
      expect(await keys(GW, 1000)).toBeNull();
    } finally {
      keys.close();
    }
  });

  it('a chain it cannot read is WITNESS_UNAVAILABLE, not an unknown gateway', async () => {
    const keys = evmGatewayKeys({ rpcUrl: 'http://127.0.0.1:9', address });
    try {
      await expect(keys(GW, 0)).rejects.toMatchObject({ code: 'WITNESS_UNAVAILABLE' });
    } finally {
      keys.close();
    }
  });
});
