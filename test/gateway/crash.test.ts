/**
 * Crash safety: a gateway child process is SIGKILLed during intake and (through
 * support/fault-server.ts, which hands createGateway the fault hooks) at
 * each moment of checkpoint anchoring (before sending, after sending, after
 * the chain confirmed, before the confirmation was recorded), then restarted
 * on the same data folder, against a chain that mines a block every second.
 * Every acknowledged event must end up anchored and provable; no checkpoint
 * is anchored twice and the chain's checkpoints are exactly the gateway's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, toHex, verifyBundle } from '@evidence/core';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, evmEnv, FAULT_SERVER, gatewayPublicKey, memoAnchor, pool, settled, spawnGateway, tempDir, type GatewayClient } from './support/gateway.js';

let evm: RpcEvm;
beforeAll(async () => {
  evm = await rpcEvm({ blockTimeMs: 1000 });
}, 120_000);
afterAll(async () => {
  await evm?.close();
});

let account = 10;
async function freshGateway(code: string) {
  const data = tempDir('gw-crash-');
  const acct = account++;
  await evm.register(code, await gatewayPublicKey(data.path), acct);
  const env = (extra: Record<string, string> = {}) => ({
    ...baseEnv(code, data.path, { BATCH_SIZE: '64', BATCH_MAX_AGE_MS: '100', ...extra }),
    ...evmEnv(evm.rpcUrl, evm.address, accountKey(acct), evm.deployment.block),
  });
  return { data, env, acct, gateway: toHex(entityId(code)) };
}

/** Every id in every batch 0..closed, each batch anchored. */
async function allBatchedIds(client: GatewayClient, closed: number): Promise<string[]> {
  const ids: string[] = [];
  for (let seq = 0; seq <= closed; seq++) {
    const b = await client.get<{ ids: string[]; anchored: boolean }>(`/v1/batches/${seq}`);
    expect(b.status).toBe(200);
    expect(b.body.anchored).toBe(true);
    ids.push(...b.body.ids);
  }
  return ids;
}

interface ServedCheckpoint {
  checkpoint: { size: number; root: string };
}

async function expectAnchoredOnce(client: GatewayClient, acked: string[], acct: number, gateway: string) {
  const heads = await settled(client, 90_000);
  const all = await allBatchedIds(client, heads.closed);
  expect(new Set(all).size).toBe(all.length); // nothing in two batches
  const inBatches = new Set(all);
  expect(acked.filter((id) => !inBatches.has(id))).toEqual([]);
  // The chain's checkpoints are exactly the ones the gateway recorded as anchored, each once.
  const onChain = await evm.anchorFor(acct).checkpoints(gateway, 0, 1000);
  const served = (await client.get<{ checkpoints: ServedCheckpoint[] }>('/v1/log/checkpoints?limit=1000')).body.checkpoints;
  expect(served.map((c) => [c.checkpoint.size, c.checkpoint.root])).toEqual(onChain.map((c) => [c.size, c.root]));
  expect(onChain.at(-1)?.size).toBe(heads.closed + 1);
  const anchor = memoAnchor(evm.anchorFor(acct));
  await pool(acked, 16, async (id) => {
    const r = await client.proof(id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ format: 'evidence-proof/2', anchor: { chain: 'evm', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) } });
    expect(verifyBundle(r.body)).toMatchObject({ valid: true });
    expect(await checkAnchor(r.body, anchor)).toMatchObject({ anchored: true });
  });
  return { heads, onChain };
}

describe('crash safety (SIGKILL)', () => {
  it('loses nothing acknowledged when killed during intake', async () => {
    const { data, env, acct, gateway } = await freshGateway('HCRASH01');
    const first = await spawnGateway(env());
    const acked: string[] = [];
    let stop = false;
    let n = 0;
    const writers = Array.from({ length: 24 }, async () => {
      while (!stop) {
        const i = n++;
        try {
          const r = i % 10 === 0
            ? await first.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: [0, 1, 2, 3, 4].map((k) => mixedEvent(i * 10 + k, 'crash')) })
            : await first.client.post<{ id: string }>('/v1/evidence', mixedEvent(i * 10, 'crash'));
          if (r.status === 202) {
            const b = r.body as { id?: string; items?: { id: string }[] };
            if (b.items) acked.push(...b.items.map((x) => x.id));
            else acked.push(b.id!);
          }
        } catch {
          return; // the connection died with the process: not acknowledged
        }
      }
    });
    while (acked.length < 1500) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(writers);

    const second = await spawnGateway(env());
    try {
      const { heads } = await expectAnchoredOnce(second.client, acked, acct, gateway);
      expect(heads.closed).toBeGreaterThan(0);
    } finally {
      await second.close();
      data.remove();
    }
  }, 240_000);

  it.each([
    ['before-send', 'HCRASH11', 'killed before the checkpoint transaction was sent'],
    ['after-send', 'HCRASH12', 'killed with the transaction sent and waiting for its block'],
    ['after-confirm', 'HCRASH13', 'killed right after the chain confirmed the checkpoint'],
    ['before-record', 'HCRASH14', 'killed with the confirmation received but not recorded'],
  ])('anchors exactly once, without a gap, when %s (%s: %s)', async (at, code) => {
    const { data, env, acct, gateway } = await freshGateway(code);
    const first = await spawnGateway(env({ FAULT_KILL_AT: at }), FAULT_SERVER);
    const r = await first.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 200 }, (_, i) => mixedEvent(i, at)) });
    expect(r.status).toBe(202);
    const acked = r.body.items.map((x) => x.id);
    expect(await first.exited).toBe('SIGKILL');
    // Let a transaction sent before the kill reach its block.
    await new Promise((res) => setTimeout(res, 2500));
    const before = await evm.anchorFor(acct).checkpoints(gateway, 0, 100);
    if (at === 'before-send') expect(before).toEqual([]);
    else expect(before.length).toBeGreaterThan(0);

    const second = await spawnGateway(env());
    try {
      const { onChain } = await expectAnchoredOnce(second.client, acked, acct, gateway);
      // What the chain held at the restart was recorded, not sent again.
      expect(onChain.slice(0, before.length)).toEqual(before);
      if (before.length > 0) {
        const proof = await second.client.proof(acked[0]!);
        expect(proof.body).toMatchObject({ log: { checkpoint: { size: before[0]!.size, root: before[0]!.root } } });
      }
    } finally {
      await second.close();
      data.remove();
    }
  }, 240_000);

  it('anchors a batch that was closed on disk before a checkpoint was signed when killed', async () => {
    const { data, env, acct, gateway } = await freshGateway('HCRASH03');
    const first = await spawnGateway(env({ FAULT_KILL_AT: 'after-close' }), FAULT_SERVER);
    const r = await first.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 10 }, (_, i) => mixedEvent(i, 'close-kill')) });
    expect(r.status).toBe(202);
    expect(await first.exited).toBe('SIGKILL');
    const second = await spawnGateway(env());
    try {
      await expectAnchoredOnce(second.client, r.body.items.map((x) => x.id), acct, gateway);
    } finally {
      await second.close();
      data.remove();
    }
  }, 240_000);
});
