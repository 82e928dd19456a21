/**
 * The one conformance suite of the WitnessStore port (node/src/witness/store.ts).
 * Every adapter runs it:
 *
 *   describeWitnessStoreConformance('LevelDB adapter', async () => ({ store, reopen, cleanup }));
 *
 * Last cosigned checkpoint per gateway (replaced, never mixed between
 * gateways, copied in and out), fork evidence (kept once per pair, listed in
 * detection order, by gateway, bounded), and, for a durable adapter, all of it
 * after the store is closed and opened again.
 */
import { cosignCheckpoint, signCheckpoint, toHex } from '@evidence/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ForkEvidence, SignedCheckpoint, Witnessed, WitnessStore } from '../../node/src/witness/index.js';
import { GatewayLog, witnessIdentity } from './support.js';

export interface StoreFixture {
  store: WitnessStore;
  /** Closes the store and opens it again on the same data (durable adapters only). */
  reopen?: () => Promise<WitnessStore>;
  cleanup?: () => Promise<void>;
}

const W = witnessIdentity();

function signed(log: GatewayLog, size: number, ts: number): SignedCheckpoint {
  const checkpoint = log.checkpoint(size, ts);
  const key = log.key;
  return { checkpoint, signature: { alg: 'sm2', publicKey: key.publicKey, value: toHex(signCheckpoint(checkpoint, key.privateKey)) } };
}

function witnessed(log: GatewayLog, size: number, ts = 1000 + size): Witnessed {
  const s = signed(log, size, ts);
  return { ...s, cosignature: cosignCheckpoint(s.checkpoint, W, ts + 1) };
}

function forkOf(log: GatewayLog, size: number, detectedAt: number, rewrite = 0): ForkEvidence {
  return { gateway: log.id, first: signed(log, size, 10), second: signed(log.rewritten(rewrite), size, 11), detectedAt, reason: 'root' };
}

/** `durable`: the adapter keeps its data across a close and an open (its fixture gives `reopen`). */
export function describeWitnessStoreConformance(name: string, open: () => Promise<StoreFixture>, { durable }: { durable: boolean }): void {
  describe(`WitnessStore conformance: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    const fresh = async (): Promise<StoreFixture> => {
      fixture = await open();
      await fixture.store.open();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.store.close();
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('knows nothing at first, and says whether it is durable', async () => {
      const { store } = await fresh();
      expect(store.durable).toBe(durable);
      expect(await store.latest(new GatewayLog('H330100001').id)).toBeNull();
      expect(await store.forks()).toEqual([]);
    });

    it("replaces a gateway's last cosigned checkpoint, keeps gateways apart, and copies values in and out", async () => {
      const { store } = await fresh();
      const a = new GatewayLog('H330100001').append(9);
      const b = new GatewayLog('H330100002').append(3);
      const a4 = witnessed(a, 4);
      await store.record(a4);
      await store.record(witnessed(b, 3));
      a4.checkpoint.size = 99;
      expect(await store.latest(a.id)).toEqual({ ...a4, checkpoint: { ...a4.checkpoint, size: 4 } });
      const a9 = witnessed(a, 9);
      await store.record(a9);
      const got = (await store.latest(a.id))!;
      expect(got).toEqual(a9);
      got.checkpoint.root = '00'.repeat(32);
      expect(await store.latest(a.id)).toEqual(a9);
      expect((await store.latest(b.id))!.checkpoint.size).toBe(3);
    });

    it('keeps fork evidence once per pair of checkpoints, lists it oldest first, by gateway and bounded', async () => {
      const { store } = await fresh();
      const a = new GatewayLog('H330100001').append(6);
      const b = new GatewayLog('H330100002').append(6);
      const first = forkOf(a, 6, 300);
      expect(await store.addFork(first)).toBe(true);
      // The same pair again, later and with a proof: the same evidence, not a second one.
      expect(await store.addFork({ ...first, detectedAt: 900, reason: 'consistency', proof: ['11'.repeat(32)] })).toBe(false);
      const second = forkOf(b, 5, 100);
      const third = forkOf(a, 4, 200, 1);
      expect(await store.addFork(second)).toBe(true);
      expect(await store.addFork(third)).toBe(true);
      expect(await store.forks()).toEqual([second, third, first]);
      expect(await store.forks({ gateway: a.id })).toEqual([third, first]);
      expect(await store.forks({ gateway: new GatewayLog('H339999999').id })).toEqual([]);
      expect(await store.forks({ limit: 2 })).toEqual([second, third]);
      const listed = await store.forks();
      listed[0]!.first.checkpoint.size = 1;
      expect((await store.forks())[0]).toEqual(second);
    });

    it('keeps one pair sent twice at once only once', async () => {
      const { store } = await fresh();
      const a = new GatewayLog('H330100001').append(6);
      const e = forkOf(a, 6, 1);
      expect((await Promise.all([store.addFork(e), store.addFork(e), store.addFork(e)])).filter(Boolean)).toHaveLength(1);
      expect(await store.forks()).toHaveLength(1);
    });

    it('keeps every one of many concurrent writes', async () => {
      const { store } = await fresh();
      const logs = Array.from({ length: 40 }, (_, i) => new GatewayLog(`H3301${String(i).padStart(5, '0')}`).append(3));
      const values = logs.map((l) => witnessed(l, 1 + (l.leaves[0]![0]! % 3)));
      await Promise.all(values.map((v) => store.record(v)));
      for (const [i, l] of logs.entries()) expect(await store.latest(l.id)).toEqual(values[i]);
    });

    it('refuses to work once closed', async () => {
      const { store } = await fresh();
      const a = new GatewayLog('H330100001').append(2);
      await store.close();
      await expect(store.record(witnessed(a, 2))).rejects.toThrow();
      await expect(store.latest(a.id)).rejects.toThrow();
      await store.open();
      expect(await store.latest(a.id)).toBeNull();
    });

    if (!durable) return;
    it('keeps everything across a close and an open', async () => {
      const f = await fresh();
      if (!f.reopen) throw new Error('a durable adapter gives reopen');
      const a = new GatewayLog('H330100001').append(7);
      const w = witnessed(a, 7);
      const e = forkOf(a, 7, 5);
      await f.store.record(w);
      await f.store.addFork(e);
      const again = await f.reopen();
      fixture = { ...f, store: again };
      expect(await again.latest(a.id)).toEqual(w);
      expect(await again.forks()).toEqual([e]);
      expect(await again.addFork(e)).toBe(false);
    });
  });
}
