/**
 * End to end with a local chain: 10 000 events of every kind recorded through
 * HTTP (bulk and single requests), anchored on a real Hardhat JSON-RPC chain,
 * every proof fetched and verified with the core verifier and on chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, kindName, verifyBundle, type ProofBundle } from '@evidence/core';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, evmEnv, gatewayPublicKey, memoAnchor, pool, settled, startGateway, tempDir, type RunningGateway } from './support/gateway.js';

const TOTAL = 10_000;
const BULK = 6_000;

describe('gateway end to end on a local chain', () => {
  let evm: RpcEvm;
  let gw: RunningGateway;
  const data = tempDir('gw-e2e-');
  const ids: string[] = [];

  beforeAll(async () => {
    evm = await rpcEvm();
    await evm.register('H330100001', await gatewayPublicKey(data.path), 1);
    gw = await startGateway({
      ...baseEnv('H330100001', data.path),
      ...evmEnv(evm.rpcUrl, evm.address, accountKey(1), evm.deployment.block),
    });
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await evm?.close();
    data.remove();
  });

  it(`records ${TOTAL} events of mixed kinds through HTTP, bulk and single`, async () => {
    const events = Array.from({ length: TOTAL }, (_, i) => mixedEvent(i));
    for (let i = 0; i < BULK; i += 1000) {
      const r = await gw.client.post<{ count: number; items: { id: string; status: string }[] }>('/v1/evidence/batch', { items: events.slice(i, i + 1000) });
      expect(r.status).toBe(202);
      expect(r.body.count).toBe(1000);
      ids.push(...r.body.items.map((x) => x.id));
    }
    const singles = await pool(events.slice(BULK), 32, async (e) => {
      const r = await gw.client.post<{ id: string; status: string }>('/v1/evidence', e);
      expect(r.status).toBe(202);
      expect(r.body.status).toBe('pending');
      return r.body.id;
    });
    ids.push(...singles);
    expect(new Set(ids).size).toBe(TOTAL);
  }, 180_000);

  it('anchors every batch through checkpoints of the batch log, fewer transactions than batches', async () => {
    const heads = await settled(gw.client, 120_000);
    const anchor = evm.anchorFor(1);
    const gateway = (await gw.client.get<{ id: string }>('/v1/gateway')).body.id;
    expect(await anchor.latestCheckpoint(gateway)).toMatchObject({ size: heads.closed + 1 });
    // Nothing anchored one batch at a time.
    expect(await anchor.latest(gateway)).toBeNull();
    const health = await gw.client.get<{ status: string; anchoring: { state: string } }>('/healthz');
    expect(health.body).toMatchObject({ status: 'ok', anchoring: { state: 'ready' } });
  }, 180_000);

  it('serves a proof for every event that verifies offline and on chain', async () => {
    const anchor = memoAnchor(evm.anchorFor(1));
    const kinds = new Set<string>();
    const seqs = new Set<number>();
    const bundles = await pool(ids, 32, async (id) => {
      const r = await gw.client.proof(id);
      expect(r.status).toBe(200);
      return r.body;
    });
    for (const [i, bundle] of bundles.entries()) {
      expect(bundle.leaf.id).toBe(ids[i]);
      expect(bundle.disclosure).toBeNull();
      const offline = verifyBundle(bundle);
      expect(offline.valid, offline.valid ? '' : offline.message).toBe(true);
      expect(await checkAnchor(bundle, anchor)).toMatchObject({ anchored: true });
      expect(bundle.anchor).toMatchObject({ chain: 'evm', contract: evm.address });
      kinds.add(kindName(bundle.leaf.kind));
      seqs.add(bundle.batch.seq);
    }
    expect(kinds.size).toBe(12);
    // 10 000 leaves at up to 1024 per batch: at least 10 batches.
    expect(seqs.size).toBeGreaterThanOrEqual(10);
  }, 240_000);

  it('discloses the payload to a discloser, and the disclosure verifies', async () => {
    const r = await gw.client.get<ProofBundle>(`/v1/evidence/${ids[7]}/proof?disclose=true`);
    expect(r.status).toBe(200);
    expect(r.body.disclosure?.payload).toEqual(mixedEvent(7).payload);
    expect(verifyBundle(r.body)).toMatchObject({ valid: true });
  });

  it('erases a payload: the proof of the commitment still verifies, disclosure is gone', async () => {
    const id = ids[8]!;
    expect((await gw.client.request('DELETE', `/v1/evidence/${id}/payload`)).status).toBe(200);
    const plain = await gw.client.proof(id);
    expect(verifyBundle(plain.body)).toMatchObject({ valid: true });
    expect(await checkAnchor(plain.body, evm.anchorFor(1))).toMatchObject({ anchored: true });
    const disclosed = await gw.client.get(`/v1/evidence/${id}/proof?disclose=true`);
    expect(disclosed.status).toBe(410);
    expect(disclosed.body).toMatchObject({ code: 'PAYLOAD_ERASED' });
    expect((await gw.client.get<{ payloadErased: boolean }>(`/v1/evidence/${id}`)).body.payloadErased).toBe(true);
  });
});
