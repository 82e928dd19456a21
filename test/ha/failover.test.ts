/**
 * Failover between two instances of one gateway on PostgreSQL, as processes:
 * under load on both, the sequencer is SIGKILLed during intake, right after
 * closing a batch, and with a checkpoint transaction sent but not confirmed
 * (the crash tests' FAULT_KILL_AT points); the other instance must take the
 * lease within 5 s and carry on, so that every acknowledged event is batched
 * once, with seq gapless, anchored in checkpoints the chain holds exactly
 * once each, and provable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, toHex, verifyBundle } from '@evidence/core';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { evmEnv, memoAnchor, pool, settled } from '../gateway/support/gateway.js';
import { cluster, expectBatchedOnce, health, load, waitFor } from './support/cluster.js';

let evm: RpcEvm;
beforeAll(async () => {
  evm = await rpcEvm({ blockTimeMs: 1000 });
}, 120_000);
afterAll(async () => {
  await evm?.close();
});

describe('failover of the sequencer (SIGKILL)', () => {
  it.each([
    ['intake', 'HHAKILL1', undefined, 11],
    ['batch close', 'HHAKILL2', 'after-close', 12],
    ['anchoring', 'HHAKILL3', 'after-send', 13],
  ])('during %s: the other instance sequences within 5 s; every acknowledged event anchored once and provable', async (_what, code, at, acct) => {
    const c = await cluster(code, evmEnv(evm.rpcUrl, evm.address, accountKey(acct), evm.deployment.block));
    try {
      await evm.register(code, c.publicKey, acct);
      const a = await c.spawn(at ? { FAULT_KILL_AT: at } : {});
      await waitFor(async () => (await health(a.client)).sequencer, 10_000, 'first instance sequencing');
      const b = await c.spawn();
      expect((await health(b.client)).sequencer).toBe(false);
      let alive = [a, b];
      const writing = load(() => alive.map((x) => x.client), `ha-kill-${code}`);
      if (!at) {
        await waitFor(async () => writing.acked.length >= 600, 30_000, 'acknowledgements');
        a.child.kill('SIGKILL');
      }
      expect(await a.exited).toBe('SIGKILL');
      const diedAt = Date.now();
      alive = [b];
      await waitFor(async () => (await health(b.client)).sequencer, 5_000, 'takeover');
      expect(Date.now() - diedAt).toBeLessThan(5_000);
      const afterTakeover = writing.acked.length;
      await waitFor(async () => writing.acked.length >= afterTakeover + 200, 30_000, 'intake after the takeover');
      await writing.stop();

      const heads = await settled(b.client, 90_000);
      expect(await expectBatchedOnce(c, writing.acked)).toBe(heads.closed + 1);
      // The chain's checkpoints are exactly those the gateway recorded as anchored, each once; the last covers every batch.
      const gateway = toHex(entityId(code));
      const onChain = await evm.anchorFor(acct).checkpoints(gateway, 0, 1000);
      const served = (await b.client.get<{ checkpoints: { checkpoint: { size: number; root: string } }[] }>('/v1/log/checkpoints?limit=1000')).body.checkpoints;
      expect(served.map((x) => [x.checkpoint.size, x.checkpoint.root])).toEqual(onChain.map((x) => [x.size, x.root]));
      expect(onChain.at(-1)?.size).toBe(heads.closed + 1);
      // Provable: a sample across the run, from the instance that stayed.
      const anchor = memoAnchor(evm.anchorFor(acct));
      const sample = writing.acked.filter((_, i) => i % Math.ceil(writing.acked.length / 60) === 0);
      await pool(sample, 8, async (id) => {
        const r = await b.client.proof(id);
        expect(r.status).toBe(200);
        expect(verifyBundle(r.body)).toMatchObject({ valid: true });
        expect(await checkAnchor(r.body, anchor)).toMatchObject({ anchored: true });
      });
    } finally {
      await c.close();
    }
  }, 180_000);
});
