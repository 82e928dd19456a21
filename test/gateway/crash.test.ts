/**
 * Crash safety: a gateway child process is SIGKILLed during intake and during
 * anchoring, then restarted on the same data folder. Every acknowledged event
 * must end up anchored exactly once and provable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, toHex, verifyBundle } from '@evidence/core';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, evmEnv, gatewayPublicKey, memoAnchor, pool, settled, spawnGateway, tempDir, type GatewayClient } from './support/gateway.js';

let evm: RpcEvm;
beforeAll(async () => {
  evm = await rpcEvm();
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
  return { data, env, acct };
}

/** Every id in every batch 0..closed, with the chain holding each batch exactly as stored. */
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

async function expectAnchoredOnce(client: GatewayClient, acked: string[], acct: number) {
  const heads = await settled(client, 90_000);
  const all = await allBatchedIds(client, heads.closed);
  expect(new Set(all).size).toBe(all.length); // nothing in two batches
  const inBatches = new Set(all);
  const missing = acked.filter((id) => !inBatches.has(id));
  expect(missing).toEqual([]);
  const anchor = memoAnchor(evm.anchorFor(acct));
  const gateway = (await client.get<{ id: string }>('/v1/gateway')).body.id;
  expect((await evm.anchorFor(acct).latest(gateway))?.seq).toBe(heads.closed);
  await pool(acked, 16, async (id) => {
    const r = await client.proof(id);
    expect(r.status).toBe(200);
    expect(verifyBundle(r.body)).toMatchObject({ valid: true });
    expect(await checkAnchor(r.body, anchor)).toMatchObject({ anchored: true });
  });
  return heads;
}

describe('crash safety (SIGKILL)', () => {
  it('loses nothing acknowledged when killed during intake', async () => {
    const { data, env, acct } = await freshGateway('HCRASH01');
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
      const heads = await expectAnchoredOnce(second.client, acked, acct);
      expect(heads.closed).toBeGreaterThan(0);
    } finally {
      await second.close();
      data.remove();
    }
  }, 240_000);

  it('anchors exactly once when killed right after the chain accepted a batch, and recovers its receipt', async () => {
    const { data, env, acct } = await freshGateway('HCRASH02');
    const first = await spawnGateway(env({ FAULT_KILL_AT: 'after-anchor' }));
    const acked: string[] = [];
    const r = await first.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 200 }, (_, i) => mixedEvent(i, 'anchor-kill')) });
    expect(r.status).toBe(202);
    acked.push(...r.body.items.map((x) => x.id));
    expect(await first.exited).toBe('SIGKILL');
    // The chain has batch 0; the gateway's data does not know it is anchored.
    const gateway = toHex(entityId('HCRASH02'));
    expect(await evm.anchorFor(acct).latest(gateway)).toMatchObject({ seq: 0 });

    const second = await spawnGateway(env());
    try {
      await expectAnchoredOnce(second.client, acked, acct);
      // The receipt of the batch anchored before the crash is found again on chain.
      const proof = await second.client.proof(acked[0]!);
      expect(proof.body.batch.seq).toBe(0);
      expect(proof.body.anchor).toMatchObject({ chain: 'evm', contract: evm.address, txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    } finally {
      await second.close();
      data.remove();
    }
  }, 240_000);

  it('anchors a batch that was closed on disk but never queued when killed', async () => {
    const { data, env, acct } = await freshGateway('HCRASH03');
    const first = await spawnGateway(env({ FAULT_KILL_AT: 'after-close' }));
    const r = await first.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 10 }, (_, i) => mixedEvent(i, 'close-kill')) });
    expect(r.status).toBe(202);
    expect(await first.exited).toBe('SIGKILL');
    const second = await spawnGateway(env());
    try {
      await expectAnchoredOnce(second.client, r.body.items.map((x) => x.id), acct);
    } finally {
      await second.close();
      data.remove();
    }
  }, 240_000);
});
