/**
 * The EVM Anchor adapter: the shared conformance suite of the Anchor port,
 * once on the in-process Hardhat network and once over JSON-RPC (rpcUrl and a
 * private key, as the gateway uses it), then what is specific to this adapter:
 * receipts, read-only use, bad input, an unreachable node, nonce handling.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, generateSm2KeyPair, headerHash, toHex, ZERO32, type BatchHeader, type Checkpoint } from '@evidence/core';
import { Wallet } from 'ethers';
import {
  bundleFor,
  describeAnchorConformance,
  describeCheckpointConformance,
  expectAnchorError,
  makeBatchLog,
  makeSignedBatch,
  type AnchorFixture,
} from '../../test/conformance/anchor.js';
import { deploySystem, type GatewayIdentity, type System } from '../test/fixture.js';
import { contractInterface } from './artifacts.js';
import { ANCHOR_DOMAIN } from './errors.js';
import { createEvmAnchor, deployAll, localAccounts, registerGateway, rotateGatewayKey, startLocalChain } from './index.js';
import { senderFor } from './sender.js';

const zero = toHex(ZERO32);

async function inProcessFixture(): Promise<AnchorFixture> {
  const system = await deploySystem();
  const gw = await system.addGateway('H330100001', 1);
  return {
    alg: 'keccak256',
    gateway: { id: gw.id, privateKey: gw.privateKey, publicKey: gw.publicKey },
    anchor: system.anchorAs(gw.wallet),
    intruder: system.anchorAs(system.chain.wallet(2)),
    verifiesSignature: false,
    rotateKey: async (publicKey) => {
      await rotateGatewayKey({ signer: system.admin, address: system.deployment.contracts.EvidenceAnchor }, { gateway: gw.id, publicKey });
    },
    close: () => system.close(),
  };
}

async function jsonRpcFixture(): Promise<AnchorFixture> {
  const chain = await startLocalChain();
  const [admin, gateway, intruder] = localAccounts();
  const deployer = createEvmAnchor({ rpcUrl: chain.rpcUrl, privateKey: admin!.privateKey, address: ZERO_ADDRESS });
  const { signer } = await deployer.connection();
  const deployment = await deployAll({ signer: signer! });
  const keys = generateSm2KeyPair();
  const id = 'ab'.repeat(32);
  const governor = { signer: signer!, address: deployment.contracts.EvidenceAnchor };
  await registerGateway(governor, { gateway: id, account: gateway!.address, publicKey: keys.publicKey });
  const open = (privateKey: string) =>
    createEvmAnchor({ rpcUrl: chain.rpcUrl, privateKey, address: deployment.contracts.EvidenceAnchor, fromBlock: deployment.block });
  const anchor = open(gateway!.privateKey);
  const other = open(intruder!.privateKey);
  return {
    alg: 'keccak256',
    gateway: { id, ...keys },
    anchor,
    intruder: other,
    verifiesSignature: false,
    rotateKey: async (publicKey) => {
      await rotateGatewayKey(governor, { gateway: id, publicKey });
    },
    close: async () => {
      for (const a of [anchor, other, deployer]) a.close();
      await chain.close();
    },
  };
}

describeAnchorConformance('EVM adapter on the in-process Hardhat network', inProcessFixture);
describeAnchorConformance('EVM adapter over JSON-RPC (rpcUrl + private key)', jsonRpcFixture);
describeCheckpointConformance('EVM adapter on the in-process Hardhat network', inProcessFixture);
describeCheckpointConformance('EVM adapter over JSON-RPC (rpcUrl + private key)', jsonRpcFixture);

describe('EVM adapter specifics', () => {
  let system: System;
  let gw: GatewayIdentity;

  beforeAll(async () => {
    system = await deploySystem();
    gw = await system.addGateway('H330100009', 1);
  });
  afterAll(() => system.close());

  it('returns the anchor object of spec section 8 for the mined transaction', async () => {
    const anchor = system.anchorAs(gw.wallet);
    const b = makeSignedBatch('keccak256', gw, 0, zero);
    const ref = await anchor.anchor(b.header, b.signature);
    const receipt = await system.chain.provider.getTransactionReceipt(ref.txHash);
    expect(ref).toEqual({
      chain: 'evm',
      chainId: 31337,
      contract: system.deployment.contracts.EvidenceAnchor,
      txHash: receipt!.hash,
      blockNumber: receipt!.blockNumber,
    });
    expect(ref.contract).toMatch(/^0x[0-9a-f]{40}$/);
    expect(receipt!.status).toBe(1);
    const bundle = { ...bundleFor(b, 1, gw.publicKey), anchor: ref };
    expect(await checkAnchor(bundle, anchor)).toMatchObject({ anchored: true });
  });

  it('is read-only without a signer: reads work, anchoring is refused', async () => {
    const reader = createEvmAnchor({ provider: system.chain.provider, address: system.deployment.contracts.EvidenceAnchor });
    expect(reader.writable).toBe(false);
    expect((await reader.latest(gw.id))?.seq).toBe(0);
    expect(await reader.keyAt(gw.id, 0)).toBe(gw.publicKey);
    const b = makeSignedBatch('keccak256', gw, 1, (await reader.latest(gw.id))!.headerHash);
    await expectAnchorError(reader.anchor(b.header, b.signature), 'ANCHOR_UNAUTHORIZED');
  });

  it('refuses malformed input with core error codes before any chain call', async () => {
    const anchor = system.anchorAs(gw.wallet);
    const b = makeSignedBatch('keccak256', gw, 1, zero);
    const bad = (patch: Partial<BatchHeader>) => anchor.anchor({ ...b.header, ...patch }, b.signature);
    await expectAnchorError(bad({ root: 'zz'.repeat(32) }), 'EVIDENCE_BAD_HEX');
    await expectAnchorError(bad({ gateway: 'ab'.repeat(31) }), 'EVIDENCE_BAD_LENGTH');
    await expectAnchorError(bad({ seq: -1 }), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(bad({ v: 2 }), 'EVIDENCE_BAD_VERSION');
    await expectAnchorError(bad({ alg: 'sha256' as never }), 'EVIDENCE_BAD_ALG');
    await expectAnchorError(anchor.batch(gw.id, 1.5), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(anchor.keyAt('nothex', 0), 'EVIDENCE_BAD_HEX');
    expect(() => createEvmAnchor({ provider: system.chain.provider, address: '0x1234' })).toThrow(/not an EVM address/);
    expect(() => createEvmAnchor({ rpcUrl: 'ftp://127.0.0.1/', address: ZERO_ADDRESS })).toThrow(/http or https/);
  });

  it('maps an unreachable node to ANCHOR_UNAVAILABLE, and the online check to unreachable', async () => {
    const port = await closedPort();
    const anchor = createEvmAnchor({ rpcUrl: `http://127.0.0.1:${port}`, address: ZERO_ADDRESS, timeoutMs: 2000 });
    await expectAnchorError(anchor.latest(gw.id), 'ANCHOR_UNAVAILABLE');
    await expectAnchorError(anchor.batch(gw.id, 0), 'ANCHOR_UNAVAILABLE');
    const b = makeSignedBatch('keccak256', gw, 0, zero);
    expect(await checkAnchor(bundleFor(b, 0, gw.publicKey), anchor)).toMatchObject({ anchored: false, reason: 'unreachable' });
    anchor.close();
  });

  it('serialises concurrent anchors of one account (one nonce each)', async () => {
    // Three gateways share one account; their first batches go out at once.
    const wallet = system.chain.wallet(3);
    const gateways = await Promise.all(['H1', 'H2', 'H3'].map((code) => system.addGatewayWithWallet(code, wallet)));
    const anchor = system.anchorAs(wallet);
    const refs = await Promise.all(
      gateways.map((g) => {
        const b = makeSignedBatch('keccak256', g, 0, zero);
        return anchor.anchor(b.header, b.signature);
      }),
    );
    const nonces = await Promise.all(refs.map(async (r) => (await system.chain.provider.getTransaction(r.txHash))!.nonce));
    expect(new Set(nonces).size).toBe(3);
    for (const g of gateways) expect((await anchor.latest(g.id))?.seq).toBe(0);
  });

  it('recovers when another process used the same key (nonce too low)', async () => {
    const wallet = system.chain.wallet(4);
    const g = await system.addGatewayWithWallet('H4', wallet);
    const anchor = system.anchorAs(wallet);
    const b0 = makeSignedBatch('keccak256', g, 0, zero);
    await anchor.anchor(b0.header, b0.signature); // the sender now counts nonces locally
    // Another Wallet object on the same key (another process, in effect) spends the next nonce.
    const elsewhere = new Wallet(wallet.privateKey, system.chain.provider);
    await (await elsewhere.sendTransaction({ to: elsewhere.address, value: 1n })).wait();
    const b1 = makeSignedBatch('keccak256', g, 1, toHex(headerHash(b0.header)));
    const ref = await anchor.anchor(b1.header, b1.signature);
    expect((await system.chain.provider.getTransaction(ref.txHash))!.nonce).toBe(2);
  });

  it('names the revert of a transaction that failed only once mined', async () => {
    // Sent with a fixed gas limit, the replay skips estimation, is mined and
    // reverts; the receipt has no reason, so the sender replays the call.
    const anchor = system.anchorAs(gw.wallet);
    const latest = (await anchor.latest(gw.id))!;
    const stale = makeSignedBatch('keccak256', gw, latest.seq, zero);
    const data = contractInterface('EvidenceAnchor').encodeFunctionData('anchor', [
      `0x${gw.id}`,
      stale.header.seq,
      1,
      stale.header.size,
      `0x${stale.header.root}`,
      `0x${stale.header.prev}`,
      stale.header.closedAt,
    ]);
    const sending = senderFor(gw.wallet).send(
      { to: system.deployment.contracts.EvidenceAnchor, data, gasLimit: 200_000 },
      { action: 'replay', domain: ANCHOR_DOMAIN },
    );
    await expectAnchorError(sending, 'ANCHOR_OUT_OF_ORDER');
    await sending.catch((e: Error) => expect(e.message).toMatch(/^EvidenceAnchor__OutOfOrder\(/));
  });
});

describe('EVM adapter specifics, checkpoints', () => {
  let system: System;
  let gw: GatewayIdentity;
  let log: ReturnType<typeof makeBatchLog>;
  const checkpointOf = (n: number): Checkpoint => ({ gateway: gw.id, alg: 'keccak256', size: n, root: toHex(log.tree(n).root), ts: 1_764_000_000_000 + n });

  beforeAll(async () => {
    system = await deploySystem();
    gw = await system.addGateway('H330100010', 1);
    log = makeBatchLog('keccak256', gw, 270);
  });
  afterAll(() => system.close());

  it('returns the anchor object of spec section 12 for the mined transaction, and finds it again', async () => {
    const anchor = system.anchorAs(gw.wallet);
    const ref = await anchor.anchorCheckpoint(checkpointOf(1), []);
    const receipt = await system.chain.provider.getTransactionReceipt(ref.txHash);
    expect(ref).toEqual({ chain: 'evm', chainId: 31337, contract: system.deployment.contracts.EvidenceAnchor, txHash: receipt!.hash, blockNumber: receipt!.blockNumber });
    expect(receipt!.status).toBe(1);
    expect(await anchor.checkpointReceipt(gw.id, 1)).toEqual(ref);
    const block = await system.chain.provider.getBlock(receipt!.blockNumber);
    expect((await anchor.checkpointAt(gw.id, 1))?.anchoredAt).toBe(block!.timestamp * 1000);
  });

  it('is read-only without a signer: reads work, anchoring is refused', async () => {
    const reader = createEvmAnchor({ provider: system.chain.provider, address: system.deployment.contracts.EvidenceAnchor });
    expect((await reader.latestCheckpoint(gw.id))?.size).toBe(1);
    await expectAnchorError(reader.anchorCheckpoint(checkpointOf(2), log.tree(2).consistencyProof(1)), 'ANCHOR_UNAUTHORIZED');
  });

  it('refuses malformed checkpoints, proofs and positions with core error codes before any chain call', async () => {
    const anchor = system.anchorAs(gw.wallet);
    const bad = (patch: Partial<Checkpoint>, proof: Uint8Array[] = []) => anchor.anchorCheckpoint({ ...checkpointOf(2), ...patch }, proof);
    await expectAnchorError(bad({ root: 'zz'.repeat(32) }), 'EVIDENCE_BAD_HEX');
    await expectAnchorError(bad({ gateway: 'ab'.repeat(31) }), 'EVIDENCE_BAD_LENGTH');
    await expectAnchorError(bad({ size: 0 }), 'MERKLE_EMPTY_TREE');
    await expectAnchorError(bad({ size: -1 }), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(bad({ ts: 1.5 }), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(bad({ alg: 'sha256' as never }), 'EVIDENCE_BAD_ALG');
    await expectAnchorError(bad({}, [new Uint8Array(31)]), 'EVIDENCE_BAD_LENGTH');
    await expectAnchorError(anchor.checkpoints(gw.id, -1, 5), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(anchor.checkpoints(gw.id, 0, 2.5), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(anchor.checkpointAt(gw.id, -3), 'EVIDENCE_BAD_INTEGER');
    await expectAnchorError(anchor.checkpointReceipt('nothex', 1), 'EVIDENCE_BAD_HEX');
    expect((await anchor.latestCheckpoint(gw.id))?.size).toBe(1);
  });

  it('maps an unreachable node to ANCHOR_UNAVAILABLE for every checkpoint call', async () => {
    const port = await closedPort();
    const anchor = createEvmAnchor({ rpcUrl: `http://127.0.0.1:${port}`, address: ZERO_ADDRESS, privateKey: gw.wallet.privateKey, timeoutMs: 2000 });
    await expectAnchorError(anchor.latestCheckpoint(gw.id), 'ANCHOR_UNAVAILABLE');
    await expectAnchorError(anchor.checkpointAt(gw.id, 1), 'ANCHOR_UNAVAILABLE');
    await expectAnchorError(anchor.checkpoints(gw.id, 0, 10), 'ANCHOR_UNAVAILABLE');
    await expectAnchorError(anchor.checkpointReceipt(gw.id, 1), 'ANCHOR_UNAVAILABLE');
    await expectAnchorError(anchor.anchorCheckpoint(checkpointOf(2), log.tree(2).consistencyProof(1)), 'ANCHOR_UNAVAILABLE');
    anchor.close();
  });

  it('names the revert of a checkpoint transaction that failed only once mined', async () => {
    // Sent with a fixed gas limit, a stale checkpoint skips estimation, is mined and reverts.
    const data = contractInterface('EvidenceAnchor').encodeFunctionData('anchorCheckpoint', [`0x${gw.id}`, 1, 1, `0x${checkpointOf(1).root}`, 0, []]);
    const sending = senderFor(gw.wallet).send(
      { to: system.deployment.contracts.EvidenceAnchor, data, gasLimit: 200_000 },
      { action: 'replay', domain: ANCHOR_DOMAIN },
    );
    await expectAnchorError(sending, 'ANCHOR_STALE_CHECKPOINT');
    await sending.catch((e: Error) => expect(e.message).toMatch(/^EvidenceAnchor__StaleCheckpoint\(/));
  });

  it('reads a history longer than one page of checkpoints, in order', async () => {
    const anchor = system.anchorAs(gw.wallet);
    for (let n = 2; n <= 265; n++) await anchor.anchorCheckpoint(checkpointOf(n), log.tree(n).consistencyProof(n - 1));
    const all = await anchor.checkpoints(gw.id, 0, 1000);
    expect(all.map((c) => c.size)).toEqual(Array.from({ length: 265 }, (_, i) => i + 1));
    expect(all.map((c) => c.index)).toEqual(Array.from({ length: 265 }, (_, i) => i));
    expect(all.every((c) => c.root === checkpointOf(c.size).root)).toBe(true);
    expect((await anchor.checkpoints(gw.id, 250, 300)).map((c) => c.size)).toEqual(Array.from({ length: 15 }, (_, i) => 251 + i));
    expect(await anchor.checkpoints(gw.id, 10, 260)).toEqual(all.slice(10));
    expect(await anchor.checkpointAt(gw.id, 200)).toEqual(all[199]);
    expect((await anchor.checkpointReceipt(gw.id, 200))?.blockNumber).toBeGreaterThan((await anchor.checkpointReceipt(gw.id, 199))!.blockNumber);
  });
});

const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
