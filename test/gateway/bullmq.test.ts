/**
 * The BullMQ path against a real redis-server started here: anchoring and
 * webhook jobs live in Redis, survive a gateway crash, and a separate worker
 * process can do the anchoring.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, toHex, verifyBundle, type ProofBundle } from '@evidence/core';
import { verifyWebhook } from '@evidence/gateway';
import { hasRedisServer, startRedis, type RedisServer } from '../support/redis.js';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, DEV_TOKEN, evmEnv, gatewayPublicKey, memoAnchor, pool, settled, spawnGateway, spawnWorker, startGateway, tempDir } from './support/gateway.js';

describe.skipIf(!hasRedisServer())('BullMQ on a real redis-server (.ci/run installs it)', () => {
  let redis: RedisServer;
  let evm: RpcEvm;
  beforeAll(async () => {
    redis = await startRedis();
    evm = await rpcEvm();
  }, 120_000);
  afterAll(async () => {
    await evm?.close();
    await redis?.stop();
  });

  it('a separate worker process anchors, and queued jobs survive a gateway crash', async () => {
    const dir = tempDir('gw-bull-');
    await evm.register('HBULL01', await gatewayPublicKey(dir.path), 5);
    const chain = evmEnv(evm.rpcUrl, evm.address, accountKey(5), evm.deployment.block);
    const env = { ...baseEnv('HBULL01', dir.path, { BATCH_SIZE: '50', BATCH_MAX_AGE_MS: '100', REDIS_URL: redis.url, ANCHOR_WORKER: 'external' }), ...chain };
    const ids: string[] = [];
    try {
      // No worker yet: batches close and their anchor jobs wait in Redis.
      const first = await spawnGateway(env);
      const r = await first.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 230 }, (_, i) => mixedEvent(i, 'bull')) });
      expect(r.status).toBe(202);
      ids.push(...r.body.items.map((x) => x.id));
      for (;;) {
        const h = await first.client.heads();
        if (h.pendingLeaves === 0 && h.closed === 4) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect((await first.client.heads()).anchored).toBe(-1);
      const metrics = await (await fetch(`${first.url}/metrics`, { headers: { authorization: `Bearer ${DEV_TOKEN}` } })).text();
      // One checkpoint job at a time, whatever the number of batches.
      expect(metrics).toMatch(/evidence_queue_depth\{queue="checkpoint",gateway="HBULL01"\} 1/);
      first.child.kill('SIGKILL');
      await first.exited;

      // The worker anchors from Redis while the gateway is down.
      const worker = await spawnWorker({ ...chain, GATEWAY_CODE: 'HBULL01', REDIS_URL: redis.url, LOG_LEVEL: 'warn' });
      const gateway = toHex(entityId('HBULL01'));
      const anchor = evm.anchorFor(5);
      for (let i = 0; (await anchor.latestCheckpoint(gateway)) === null; i++) {
        if (i > 300) throw new Error(`worker did not anchor:\n${worker.output()}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      // The gateway comes back, learns the outcome from the 'checkpointed' job, and has the rest anchored.
      const second = await spawnGateway(env);
      try {
        const heads = await settled(second.client, 60_000);
        expect(await anchor.latestCheckpoint(gateway)).toMatchObject({ size: heads.closed + 1 });
        const proof = await second.client.proof(ids[0]!);
        expect(proof.body.anchor).toMatchObject({ chain: 'evm', txHash: expect.stringMatching(/^0x/) });
        const memo = memoAnchor(anchor);
        await pool(ids, 16, async (id) => {
          const p = await second.client.proof(id);
          expect(verifyBundle(p.body)).toMatchObject({ valid: true });
          expect(await checkAnchor(p.body, memo)).toMatchObject({ anchored: true });
        });
      } finally {
        await second.close();
        await worker.stop();
      }
    } finally {
      dir.remove();
    }
  }, 180_000);

  it('pushes signed proof bundles to a subscriber through BullMQ delivery jobs, retrying failures', async () => {
    const dir = tempDir('gw-hook-');
    await evm.register('HBULL02', await gatewayPublicKey(dir.path), 6);
    const gw = await startGateway({
      // The test's subscriber listens on 127.0.0.1, which webhooks reach only when the operator allows it.
      ...baseEnv('HBULL02', dir.path, { BATCH_MAX_AGE_MS: '100', REDIS_URL: redis.url, WEBHOOK_ALLOW: '127.0.0.1' }),
      ...evmEnv(evm.rpcUrl, evm.address, accountKey(6), evm.deployment.block),
    });
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    let refuse = 2; // the subscriber fails twice first
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (refuse-- > 0) {
          res.writeHead(503).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    try {
      const sub = await gw.client.post<{ id: string }>('/v1/subscriptions', { url: hookUrl, kinds: ['prescription', 'payment'] });
      expect(sub.status).toBe(201);
      const r = await gw.client.post<{ items: { id: string; leaf: { kind: number } }[] }>('/v1/evidence/batch', { items: Array.from({ length: 24 }, (_, i) => mixedEvent(i, 'hook')) });
      const wanted = r.body.items.filter((x) => x.leaf.kind === 5 || x.leaf.kind === 8).map((x) => x.id);
      await settled(gw.client);
      for (let i = 0; received.length === 0; i++) {
        if (i > 200) throw new Error('no delivery');
        await new Promise((res) => setTimeout(res, 100));
      }
      const { publicKey } = (await gw.client.get<{ publicKey: string }>('/v1/gateway')).body;
      const delivery = received[0]!;
      expect(verifyWebhook(delivery.headers, delivery.body, publicKey)).toBe(true);
      expect(verifyWebhook(delivery.headers, delivery.body.replace('"seq":0', '"seq":1'), publicKey)).toBe(false);
      const payload = JSON.parse(delivery.body) as { event: string; bundles: ProofBundle[] };
      expect(payload.event).toBe('evidence.anchored');
      expect(payload.bundles.map((b) => b.leaf.id).sort()).toEqual(wanted.sort());
      for (const b of payload.bundles) {
        expect(b.disclosure).toBeNull();
        expect(verifyBundle(b)).toMatchObject({ valid: true });
        expect(await checkAnchor(b, evm.anchorFor(6))).toMatchObject({ anchored: true });
      }
    } finally {
      await gw.close();
      await new Promise((r) => server.close(r));
      dir.remove();
    }
  }, 120_000);
});
