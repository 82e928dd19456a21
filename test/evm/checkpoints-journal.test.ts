/**
 * Checkpoints over JSON-RPC on the journaled local chain: anchored
 * checkpoints, their records and their receipts are the same after a restart
 * (the replay repeats transaction hashes and block numbers), anchoring goes on
 * from the replayed state, and a receipt is found by one log query bounded to
 * the block the contract recorded, never a search from block 0 (every request
 * goes through a recording proxy).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair, toHex, type AnchoredCheckpoint, type Checkpoint, type EvmAnchorRef } from '@evidence/core';
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
import { makeBatchLog } from '../conformance/anchor.js';

const [admin, gatewayAccount] = localAccounts();
const gateway = { id: 'c4'.repeat(32), ...generateSm2KeyPair() };

interface RpcCall {
  method: string;
  params: unknown[];
}

/** An HTTP JSON-RPC proxy to `target` that records every call it forwards. */
async function recordingProxy(target: () => string): Promise<{ url: string; calls: RpcCall[]; close(): Promise<void> }> {
  const calls: RpcCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as RpcCall | RpcCall[];
      for (const call of Array.isArray(parsed) ? parsed : [parsed]) calls.push({ method: call.method, params: call.params });
      fetch(target(), { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('checkpoints on the journaled local chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evm-checkpoints-'));
  const journalPath = join(dir, 'chain.jsonl');
  const log = makeBatchLog('keccak256', gateway, 12);
  const checkpointOf = (n: number): Checkpoint => ({ gateway: gateway.id, alg: 'keccak256', size: n, root: toHex(log.tree(n).root), ts: 1_764_100_000_000 + n });
  const refs = new Map<number, EvmAnchorRef>();
  let chain: LocalChain;
  let deployment: Deployment;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let before: AnchoredCheckpoint[];
  const open = (): EvmAnchor =>
    createEvmAnchor({ rpcUrl: proxy.url, privateKey: gatewayAccount!.privateKey, address: deployment.contracts.EvidenceAnchor, fromBlock: deployment.block });

  beforeAll(async () => {
    chain = await startLocalChain({ journalPath });
    proxy = await recordingProxy(() => chain.rpcUrl);
    const connection = openConnection({ rpcUrl: chain.rpcUrl, privateKey: admin!.privateKey }, 'CHAIN_UNAVAILABLE');
    const { signer } = await connection.ready();
    deployment = await deployAll({ signer: signer! });
    await registerGateway({ signer: signer!, address: deployment.contracts.EvidenceAnchor }, { gateway: gateway.id, account: gatewayAccount!.address, publicKey: gateway.publicKey });
    connection.close();
  });
  afterAll(async () => {
    await proxy?.close();
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('anchors checkpoints over JSON-RPC', async () => {
    const anchor = open();
    refs.set(3, await anchor.anchorCheckpoint(checkpointOf(3), []));
    refs.set(7, await anchor.anchorCheckpoint(checkpointOf(7), log.tree(7).consistencyProof(3)));
    before = await anchor.checkpoints(gateway.id, 0, 10);
    anchor.close();
    expect(before.map((c) => [c.index, c.size, c.root])).toEqual([
      [0, 3, checkpointOf(3).root],
      [1, 7, checkpointOf(7).root],
    ]);
  });

  it('finds each receipt with one log query of the recorded block only', async () => {
    const anchor = open();
    for (const [size, ref] of refs) {
      proxy.calls.length = 0;
      expect(await anchor.checkpointReceipt(gateway.id, size)).toEqual(ref);
      const queries = proxy.calls.filter((c) => c.method === 'eth_getLogs');
      const block = `0x${ref.blockNumber.toString(16)}`;
      expect(queries).toHaveLength(1);
      expect(queries[0]!.params[0]).toMatchObject({ fromBlock: block, toBlock: block });
    }
    anchor.close();
  });

  it('after a restart, the records and receipts are the same, and anchoring goes on', async () => {
    await chain.close();
    chain = await startLocalChain({ journalPath });
    const anchor = open();
    expect(await anchor.checkpoints(gateway.id, 0, 10)).toEqual(before);
    for (const [size, ref] of refs) expect(await anchor.checkpointReceipt(gateway.id, size)).toEqual(ref);
    await expect(anchor.anchorCheckpoint(checkpointOf(7), [])).rejects.toMatchObject({ code: 'ANCHOR_STALE_CHECKPOINT' });
    const ref = await anchor.anchorCheckpoint(checkpointOf(12), log.tree(12).consistencyProof(7));
    expect(ref.blockNumber).toBeGreaterThan(refs.get(7)!.blockNumber);
    expect(await anchor.latestCheckpoint(gateway.id)).toMatchObject({ index: 2, size: 12, root: checkpointOf(12).root });
    anchor.close();
  });
});
