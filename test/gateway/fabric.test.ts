/**
 * ANCHOR=fabric: a gateway process anchors through the chaincode adapter
 * (fabric-gateway over TLS, signed proposals) on the Fabric Gateway service of
 * an in-memory peer running the real chaincode. Batches use SM3 trees, as the
 * chaincode requires, and every proof verifies offline and on the ledger.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, toHex, verifyBundle } from '@evidence/core';
import { fabricNetwork, type FabricFixture } from './support/fabric.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, gatewayPublicKey, memoAnchor, pool, settled, spawnGateway, tempDir } from './support/gateway.js';

describe('gateway anchoring on Fabric (in-memory peer behind the Fabric Gateway service)', () => {
  const dir = tempDir('gw-fabric-');
  let fabric: FabricFixture;

  beforeAll(async () => {
    fabric = await fabricNetwork(dir.path);
  }, 120_000);

  afterAll(async () => {
    await fabric?.close();
    dir.remove();
  });

  it('records, batches with SM3, anchors on the ledger in order, and serves proofs that verify there', async () => {
    const code = 'HFABRIC01';
    const data = join(dir.path, 'gw');
    const env = {
      ...baseEnv(code, data, { ANCHOR: 'fabric', BATCH_SIZE: '40', BATCH_MAX_AGE_MS: '100' }),
      ...(await fabric.register(code, await gatewayPublicKey(data))),
    };
    const gw = await spawnGateway(env);
    const reader = await fabric.reader();
    try {
      const info = await gw.client.get<{ alg: string; chain: string }>('/v1/gateway');
      expect(info.body).toMatchObject({ alg: 'sm3', chain: 'fabric' });
      const r = await gw.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 150 }, (_, i) => mixedEvent(i, 'fabric')) });
      expect(r.status).toBe(202);
      const heads = await settled(gw.client, 60_000);
      expect(heads.closed).toBe(3);
      expect(await reader.latestCheckpoint(toHex(entityId(code)))).toMatchObject({ size: 4 });
      const memo = memoAnchor(reader);
      await pool(r.body.items.map((x) => x.id), 8, async (id) => {
        const p = await gw.client.proof(id);
        expect(p.status).toBe(200);
        expect(p.body).toMatchObject({ format: 'evidence-proof/2', batch: { alg: 'sm3' }, log: { checkpoint: { alg: 'sm3' } } });
        expect(p.body.anchor).toMatchObject({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
        expect(verifyBundle(p.body)).toMatchObject({ valid: true });
        expect(await checkAnchor(p.body, memo)).toMatchObject({ anchored: true });
      });
    } finally {
      await gw.close();
    }
  }, 180_000);
});
