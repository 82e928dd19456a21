/**
 * Chain outage: the local chain stops while the gateway keeps recording; when
 * it comes back (same port, state replayed from its journal), the batches
 * closed meanwhile are anchored by one or two checkpoints, and every proof verifies.
 * The chain mines a block every second.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkAnchor, verifyBundle } from '@evidence/core';
import { freePort } from '../support/redis.js';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, evmEnv, gatewayPublicKey, memoAnchor, pool, settled, startGateway, tempDir, type RunningGateway } from './support/gateway.js';

describe('chain outage', () => {
  const dir = tempDir('gw-outage-');
  let evm: RpcEvm | undefined;
  let gw: RunningGateway | undefined;
  afterAll(async () => {
    await gw?.close();
    await evm?.close();
    dir.remove();
  });

  it('keeps recording while the chain is down and anchors the backlog in order once it is back', async () => {
    const port = await freePort();
    const journalPath = `${dir.path}/chain.jsonl`;
    evm = await rpcEvm({ port, journalPath, blockTimeMs: 1000 });
    const deployment = evm.deployment;
    await evm.register('HOUTAGE1', await gatewayPublicKey(`${dir.path}/gw`), 1);
    gw = await startGateway({
      ...baseEnv('HOUTAGE1', `${dir.path}/gw`, { BATCH_SIZE: '64', BATCH_MAX_AGE_MS: '100' }),
      ...evmEnv(evm.rpcUrl, evm.address, accountKey(1), deployment.block),
    });
    const ids: string[] = [];
    const record = async (from: number, n: number) => {
      const r = await gw!.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: n }, (_, i) => mixedEvent(from + i, 'outage')) });
      expect(r.status).toBe(202);
      ids.push(...r.body.items.map((x) => x.id));
    };

    await record(0, 200);
    const before = await settled(gw.client, 30_000);

    // The chain goes away. Intake goes on: recording never waits for the chain.
    await evm.close();
    evm = undefined;
    for (let k = 0; k < 6; k++) {
      await record(1000 + k * 100, 100);
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 500));
    const during = await gw.client.heads();
    expect(during.closed).toBeGreaterThan(before.closed + 5);
    expect(during.anchored).toBe(before.anchored);
    const proofWhileDown = await gw.client.proof(ids[ids.length - 1]!);
    expect(proofWhileDown.status).toBe(409);
    expect(Number(proofWhileDown.headers.get('retry-after'))).toBeGreaterThan(0);

    // The chain comes back on the same port with its state replayed from the journal.
    evm = await rpcEvm({ port, journalPath, deployment, blockTimeMs: 1000 });
    const after = await settled(gw.client, 60_000);
    expect(after.closed).toBe(during.closed);

    const anchor = evm.anchorFor(1);
    const gateway = (await gw.client.get<{ id: string }>('/v1/gateway')).body.id;
    expect(await anchor.latestCheckpoint(gateway)).toMatchObject({ size: after.closed + 1 });
    // The backlog went in at most two transactions: the checkpoint whose job was in flight when the chain
    // went away (retried as it was, its proof built for it), then one covering every batch closed since.
    const onChain = await anchor.checkpoints(gateway, 0, 100);
    const afterOutage = onChain.filter((c) => c.size > before.closed + 1);
    expect(afterOutage.length).toBeGreaterThanOrEqual(1);
    expect(afterOutage.length).toBeLessThanOrEqual(2);
    expect(afterOutage.at(-1)!.size).toBeGreaterThanOrEqual(during.closed + 1);
    expect(onChain.length).toBeLessThan(after.closed + 1);
    for (let seq = 0; seq <= after.closed; seq++) {
      const local = await gw.client.get<{ anchored: boolean; checkpointSize: number; anchor: { blockNumber: number } }>(`/v1/batches/${seq}`);
      expect(local.body).toMatchObject({ anchored: true, anchor: { blockNumber: expect.any(Number) } });
      expect(onChain.some((c) => c.size === local.body.checkpointSize)).toBe(true);
    }
    const memo = memoAnchor(anchor);
    await pool(ids, 16, async (id) => {
      const r = await gw!.client.proof(id);
      expect(r.status).toBe(200);
      expect(verifyBundle(r.body)).toMatchObject({ valid: true });
      expect(await checkAnchor(r.body, memo)).toMatchObject({ anchored: true });
    });
  }, 180_000);
});
