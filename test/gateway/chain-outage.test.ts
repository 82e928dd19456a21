/**
 * Chain outage: the local chain stops while the gateway keeps recording; when
 * it comes back (same port, state replayed from its journal), the batches
 * closed meanwhile are anchored, in seq order, and every proof verifies.
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
    evm = await rpcEvm({ port, journalPath });
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
    evm = await rpcEvm({ port, journalPath, deployment });
    const after = await settled(gw.client, 60_000);
    expect(after.closed).toBe(during.closed);

    const anchor = evm.anchorFor(1);
    const gateway = (await gw.client.get<{ id: string }>('/v1/gateway')).body.id;
    expect(await anchor.latest(gateway)).toMatchObject({ seq: after.closed });
    // In seq order: each batch's transaction is in a later block than the one before.
    let lastBlock = 0;
    for (let seq = 0; seq <= after.closed; seq++) {
      const local = await gw.client.get<{ headerHash: string; anchor: { blockNumber: number } }>(`/v1/batches/${seq}`);
      expect((await anchor.batch(gateway, seq))?.headerHash).toBe(local.body.headerHash);
      expect(local.body.anchor.blockNumber).toBeGreaterThan(lastBlock);
      lastBlock = local.body.anchor.blockNumber;
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
