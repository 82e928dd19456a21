/**
 * The local chain with a transaction journal, across a restart: contracts
 * deployed and batches anchored before it keep their addresses, transaction
 * hashes and block numbers after it, proofs issued before it still verify
 * online, and the chain goes on from there.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, generateSm2KeyPair, headerHash, toHex, ZERO32, type EvmAnchorRef } from '@evidence/core';
import { JsonRpcProvider } from 'ethers';
import {
  createEvmAnchor,
  deployAll,
  localAccounts,
  openConnection,
  registerGateway,
  startLocalChain,
  type Deployment,
  type EvmAnchor,
  type LocalChain,
} from '@evidence/contracts';
import { bundleFor, makeSignedBatch, type SignedBatch } from '../conformance/anchor.js';

const [admin, gatewayAccount] = localAccounts();
const gateway = { id: 'a1'.repeat(32), ...generateSm2KeyPair() };

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { message: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as { result?: unknown; error?: { message: string } };
}

describe('local chain with a journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evm-journal-'));
  const journalPath = join(dir, 'chain.jsonl');
  let chain: LocalChain;
  let deployment: Deployment;
  let first: SignedBatch;
  let receipt: EvmAnchorRef;
  const open = (c: LocalChain): EvmAnchor =>
    createEvmAnchor({ rpcUrl: c.rpcUrl, privateKey: gatewayAccount!.privateKey, address: deployment.contracts.EvidenceAnchor, fromBlock: deployment.block });

  beforeAll(async () => {
    chain = await startLocalChain({ journalPath });
  });
  afterAll(async () => {
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with chain id 31337 and starts from an empty journal', async () => {
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(chain.chainId).toBe(31337);
    expect(chain.replayed).toBe(0);
    expect((await rpc(chain.rpcUrl, 'eth_chainId')).result).toBe('0x7a69');
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['genesis']);
  });

  it('deploys, registers and anchors; every change is journaled before it is answered', async () => {
    const connection = openConnection({ rpcUrl: chain.rpcUrl, privateKey: admin!.privateKey }, 'CHAIN_UNAVAILABLE');
    const { signer } = await connection.ready();
    deployment = await deployAll({ signer: signer! });
    await registerGateway({ signer: signer!, address: deployment.contracts.EvidenceAnchor }, { gateway: gateway.id, account: gatewayAccount!.address, publicKey: gateway.publicKey });
    connection.close();
    const anchor = open(chain);
    first = makeSignedBatch('keccak256', gateway, 0, toHex(ZERO32), 4);
    receipt = await anchor.anchor(first.header, first.signature);
    anchor.close();
    const entries = readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const changes = entries.filter((e) => e.type === 'change');
    expect(changes).toHaveLength(6); // four deployments, one registration, one anchor
    expect(changes.at(-1)).toMatchObject({ method: 'eth_sendRawTransaction', hash: receipt.txHash, block: receipt.blockNumber });
  });

  it('refuses state surgery that a replay could not reproduce', async () => {
    for (const method of ['evm_snapshot', 'hardhat_setBalance', 'hardhat_reset', 'hardhat_impersonateAccount']) {
      const answer = await rpc(chain.rpcUrl, method, method === 'hardhat_setBalance' ? [admin!.address, '0x1'] : []);
      expect(answer.error?.message).toMatch(/not available on a journaled chain/);
    }
  });

  it('after a restart, replays the journal: same addresses, tx hash, block and batch', async () => {
    const before = await rpc(chain.rpcUrl, 'eth_getBlockByNumber', ['latest', false]);
    await chain.close();
    chain = await startLocalChain({ journalPath });
    expect(chain.replayed).toBe(6);
    const after = await rpc(chain.rpcUrl, 'eth_getBlockByNumber', ['latest', false]);
    // Same genesis time and same block times: even the block hashes repeat.
    expect((after.result as { hash: string }).hash).toBe((before.result as { hash: string }).hash);

    const provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true });
    const tx = await provider.getTransactionReceipt(receipt.txHash);
    expect([tx?.blockNumber, tx?.status, tx?.to?.toLowerCase()]).toEqual([receipt.blockNumber, 1, deployment.contracts.EvidenceAnchor]);
    expect(await provider.getCode(deployment.contracts.ClaimVerifier)).not.toBe('0x');
    provider.destroy();

    const anchor = open(chain);
    const bundle = { ...bundleFor(first, 2, gateway.publicKey), anchor: receipt };
    expect(await checkAnchor(bundle, anchor)).toMatchObject({ anchored: true });
    expect(await anchor.batch(gateway.id, 0)).toMatchObject({ root: first.header.root, size: 4, headerHash: toHex(headerHash(first.header)) });
    anchor.close();
  });

  it('goes on after the restart with the wall clock, and journals the new changes too', async () => {
    const anchor = open(chain);
    const next = makeSignedBatch('keccak256', gateway, 1, toHex(headerHash(first.header)));
    const ref = await anchor.anchor(next.header, next.signature);
    anchor.close();
    expect(ref.blockNumber).toBe(receipt.blockNumber + 1);
    const block = (await rpc(chain.rpcUrl, 'eth_getBlockByNumber', [`0x${ref.blockNumber.toString(16)}`, false])).result as { timestamp: string };
    expect(Math.abs(Number(block.timestamp) - Date.now() / 1000)).toBeLessThan(60);

    await chain.close();
    chain = await startLocalChain({ journalPath });
    expect(chain.replayed).toBe(7);
    const again = open(chain);
    expect(await again.latest(gateway.id)).toEqual({ seq: 1, headerHash: toHex(headerHash(next.header)) });
    again.close();
  });

  it('ignores a torn last line (a crash mid-append, never acknowledged)', async () => {
    await chain.close();
    appendFileSync(journalPath, '{"type":"change","method":"eth_sendRawTr');
    chain = await startLocalChain({ journalPath });
    expect(chain.replayed).toBe(7);
    // the torn tail is cut before new entries are appended
    const anchor = open(chain);
    const latest = (await anchor.latest(gateway.id))!;
    const b = makeSignedBatch('keccak256', gateway, 2, latest.headerHash);
    await anchor.anchor(b.header, b.signature);
    anchor.close();
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n');
    expect(lines.every((l) => JSON.parse(l))).toBe(true);
    expect(lines).toHaveLength(1 + 8);
  });

  it('refuses to start from a journal that does not replay to the same chain', async () => {
    await chain.close();
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n');
    const tampered = lines.map((l) => JSON.parse(l));
    tampered[2].block += 1; // claims a block number the replay cannot produce
    const bad = join(dir, 'tampered.jsonl');
    writeFileSync(bad, `${tampered.map((e) => JSON.stringify(e)).join('\n')}\n`);
    await expect(startLocalChain({ journalPath: bad })).rejects.toMatchObject({ code: 'DEPLOYMENT_INVALID', message: expect.stringMatching(/diverged/) });
    writeFileSync(bad, 'not json\n{}\n');
    await expect(startLocalChain({ journalPath: bad })).rejects.toMatchObject({ code: 'DEPLOYMENT_INVALID' });
    chain = await startLocalChain({ journalPath });
    expect(chain.replayed).toBe(8);
  });

  it("journals eth_sendTransaction from the node's own accounts and replays it", async () => {
    const provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const signer = await provider.getSigner(5);
    const tx = await signer.sendTransaction({ to: admin!.address, value: 12345n });
    await tx.wait();
    provider.destroy();
    await chain.close();
    chain = await startLocalChain({ journalPath });
    expect(chain.replayed).toBe(9);
    const again = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true });
    expect((await again.getTransactionReceipt(tx.hash))?.status).toBe(1);
    again.destroy();
  });
});

describe('local chain with a block time and a journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evm-blocks-'));
  const journalPath = join(dir, 'chain.jsonl');
  let chain: LocalChain;
  afterAll(async () => {
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds transactions until the next block, mines several in one block, and replays the blocks exactly', async () => {
    chain = await startLocalChain({ journalPath, blockTimeMs: 1000 });
    expect(chain.blockTimeMs).toBe(1000);
    const connection = openConnection({ rpcUrl: chain.rpcUrl, privateKey: admin!.privateKey }, 'CHAIN_UNAVAILABLE');
    const { signer } = await connection.ready();
    const deployment = await deployAll({ signer: signer! });
    await registerGateway({ signer: signer!, address: deployment.contracts.EvidenceAnchor }, { gateway: gateway.id, account: gatewayAccount!.address, publicKey: gateway.publicKey });
    connection.close();

    // Two transfers from two accounts sent together land in one block, after a wait.
    const provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const startBlock = await provider.getBlockNumber();
    const sentAt = Date.now();
    const [a, b] = await Promise.all([5, 6].map(async (i) => (await provider.getSigner(i)).sendTransaction({ to: admin!.address, value: 7n })));
    expect(await provider.getTransactionReceipt(a!.hash)).toBeNull(); // pooled, not mined at once
    const [ra, rb] = await Promise.all([a!.wait(), b!.wait()]);
    expect(ra!.blockNumber).toBe(rb!.blockNumber);
    expect(ra!.blockNumber).toBe(startBlock + 1);
    expect(Date.now() - sentAt).toBeGreaterThan(50);

    const before = (await rpc(chain.rpcUrl, 'eth_getBlockByNumber', ['latest', false])).result as { hash: string; number: string };
    provider.destroy();
    const blocks = readFileSync(journalPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'block');
    expect(blocks.at(-1).block).toBe(ra!.blockNumber);
    expect(blocks.at(-1).transactions.map((t: { hash: string }) => t.hash).sort()).toEqual([a!.hash, b!.hash].sort());
    // An idle chain mines nothing: the journal does not grow.
    await new Promise((r) => setTimeout(r, 2200));
    expect(readFileSync(journalPath, 'utf8').trim().split('\n').filter((l) => JSON.parse(l).type === 'block')).toHaveLength(blocks.length);

    await chain.close();
    chain = await startLocalChain({ journalPath, blockTimeMs: 1000 });
    expect(chain.replayed).toBe(blocks.length);
    const after = (await rpc(chain.rpcUrl, 'eth_getBlockByNumber', ['latest', false])).result as { hash: string; number: string };
    expect(after).toMatchObject({ hash: before.hash, number: before.number });
    const again = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true });
    expect((await again.getTransactionReceipt(b!.hash))?.blockNumber).toBe(rb!.blockNumber);
    again.destroy();
  });
});
