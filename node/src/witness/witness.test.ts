import { verifyCosignature, generateSm2KeyPair } from '@evidence/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayLog, registryOf, witnessIdentity } from '../../../test/witness/support.js';
import { WitnessMetrics } from '../metrics.js';
import { MemoryWitnessStore } from './store-memory.js';
import type { ForkEvidence, GatewayKeys, Witnessed } from './types.js';
import { Witness } from './witness.js';

const W = witnessIdentity();

async function witnessFor(keys: GatewayKeys, store = new MemoryWitnessStore()) {
  const registry = new Registry();
  const metrics = new WitnessMetrics(registry);
  const witness = new Witness({ identity: W, store, keys, metrics });
  await witness.open();
  const forks: ForkEvidence[] = [];
  witness.onFork((e) => forks.push(e));
  const counter = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
    return v?.value ?? 0;
  };
  return { witness, store, forks, counter };
}

async function refused(p: Promise<unknown>): Promise<{ code: string; size?: number }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as { code: string }).code, ...((e as { size?: number }).size !== undefined ? { size: (e as { size: number }).size } : {}) };
  }
  throw new Error('expected a refusal');
}

describe('Witness: the service around the decision', () => {
  it('cosigns, stores before answering, answers a retry again, and counts', async () => {
    const log = new GatewayLog('H330100001').append(4);
    const { witness, store, counter } = await witnessFor(registryOf(log));
    const first = await witness.cosign(log.request());
    expect(verifyCosignature(log.checkpoint(4, (await store.latest(log.id))!.checkpoint.ts), first)).toBe(true);
    expect((await store.latest(log.id))!.cosignature).toEqual(first);
    const stored = (await store.latest(log.id))!;
    expect(await witness.cosign({ ...log.request({ checkpoint: stored.checkpoint }), from: 4 })).toEqual(first);
    log.append(3);
    await witness.cosign(log.request({ from: 4 }));
    expect((await witness.latest(log.id))!.checkpoint.size).toBe(7);
    expect(await counter('evidence_witness_cosignatures_total')).toBe(3);
    expect(witness.info()).toEqual({ id: W.id, publicKey: W.publicKey, toleranceMs: 10_000 });
  });

  it('stores nothing on any refusal but a fork, and counts each refusal by code', async () => {
    const log = new GatewayLog('H330100001').append(8);
    const stranger = new GatewayLog('H330199999').append(8);
    const { witness, store, counter } = await witnessFor(registryOf(log));
    await witness.cosign(log.request({ size: 6 }));
    const before = await store.latest(log.id);
    const cases: [string, Parameters<Witness['cosign']>[0]][] = [
      ['WITNESS_STALE', log.request({ size: 5 })],
      ['WITNESS_WRONG_BASE', log.request({ from: 3 })],
      ['WITNESS_CLOCK_SKEW', log.request({ from: 6, ts: Date.now() + 60_000 })],
      ['WITNESS_UNKNOWN_GATEWAY', stranger.request()],
      ['WITNESS_WRONG_KEY', log.request({ from: 6, signWith: generateSm2KeyPair() })],
      ['WITNESS_BAD_SIGNATURE', { ...log.request({ from: 6 }), checkpoint: { ...log.checkpoint(8), ts: 1 } }],
      ['WITNESS_BAD_REQUEST', { ...log.request({ from: 6 }), proof: [] }],
    ];
    for (const [code, request] of cases) {
      expect(await refused(witness.cosign(request)), code).toMatchObject({ code });
      expect(await store.latest(log.id)).toEqual(before);
      expect(await store.latest(stranger.id)).toBeNull();
      expect(await store.forks()).toEqual([]);
      expect(await counter('evidence_witness_refusals_total', { code })).toBe(1);
    }
    expect(await counter('evidence_witness_forks_total')).toBe(0);
  });

  it('keeps a fork once, tells its listeners once, and never moves its state to the forked history', async () => {
    const log = new GatewayLog('H330100001').append(6);
    const { witness, store, forks, counter } = await witnessFor(registryOf(log));
    await witness.cosign(log.request());
    const before = await store.latest(log.id);
    const forked = log.rewritten(4).request({ from: 6 });
    expect(await refused(witness.cosign(forked))).toEqual({ code: 'WITNESS_FORK' });
    expect(await refused(witness.cosign(forked))).toEqual({ code: 'WITNESS_FORK' });
    expect(await store.latest(log.id)).toEqual(before);
    expect(forks).toHaveLength(1);
    expect(await witness.forks()).toEqual(forks);
    expect(forks[0]).toMatchObject({ gateway: log.id, reason: 'root', second: { checkpoint: forked.checkpoint, signature: forked.signature } });
    expect(await counter('evidence_witness_forks_total')).toBe(1);
    expect(await counter('evidence_witness_refusals_total', { code: 'WITNESS_FORK' })).toBe(2);
  });

  it('takes one request per gateway at a time: two histories sent at once are never both cosigned', async () => {
    const log = new GatewayLog('H330100001').append(4);
    const { witness, store } = await witnessFor(registryOf(log));
    await witness.cosign(log.request());
    const x = new GatewayLog(log.code, log.key);
    x.leaves.push(...log.leaves);
    x.append(4);
    const y = new GatewayLog(log.code, log.key);
    y.leaves.push(...log.leaves);
    y.append(6);
    const results = await Promise.allSettled([witness.cosign(x.request({ from: 4 })), witness.cosign(y.request({ from: 4 }))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const base = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { code: string; size: number };
    expect(base).toMatchObject({ code: 'WITNESS_WRONG_BASE', size: 8 });
    // Retried from the size the witness names, y's history cannot show it extends x's.
    expect(await refused(witness.cosign(y.request({ from: 8 })))).toEqual({ code: 'WITNESS_FORK' });
    expect((await store.latest(log.id))!.checkpoint.root).toBe(x.checkpoint(8).root);
  });

  it('asks the registry for the key of batch size - 1, and a registry it cannot read is WITNESS_UNAVAILABLE', async () => {
    const log = new GatewayLog('H330100001').append(11);
    const rotated = generateSm2KeyPair();
    const asked: number[] = [];
    const keys: GatewayKeys = async (_gateway, seq) => {
      asked.push(seq);
      return seq >= 10 ? rotated.publicKey : log.key.publicKey;
    };
    const { witness, store, counter } = await witnessFor(keys);
    await witness.cosign(log.request({ size: 10 }));
    expect(await refused(witness.cosign(log.request({ from: 10 })))).toEqual({ code: 'WITNESS_WRONG_KEY' });
    expect(await witness.cosign(log.request({ from: 10, signWith: rotated }))).toMatchObject({ witness: W.id });
    expect(asked).toEqual([9, 10, 10]);
    expect((await store.latest(log.id))!.signature.publicKey).toBe(rotated.publicKey);

    const down = await witnessFor(async () => {
      throw new Error('connection refused');
    });
    expect(await refused(down.witness.cosign(log.request()))).toEqual({ code: 'WITNESS_UNAVAILABLE' });
    expect(await down.store.latest(log.id)).toBeNull();
    expect(await down.counter('evidence_witness_refusals_total', { code: 'WITNESS_UNAVAILABLE' })).toBe(1);
    expect(await counter('evidence_witness_cosignatures_total')).toBe(2);
  });

  it('answers nothing when the state cannot be stored: no cosignature without its state on disk', async () => {
    const log = new GatewayLog('H330100001').append(3);
    class FailingStore extends MemoryWitnessStore {
      override async record(_w: Witnessed): Promise<void> {
        throw new Error('disk full');
      }
    }
    const { witness, store } = await witnessFor(registryOf(log), new FailingStore());
    expect(await refused(witness.cosign(log.request()))).toEqual({ code: 'WITNESS_INTERNAL' });
    expect(await store.latest(log.id)).toBeNull();
  });

  it('does not read the registry for a malformed request', async () => {
    const log = new GatewayLog('H330100001').append(3);
    const keys = registryOf(log);
    const { witness } = await witnessFor(keys);
    expect(await refused(witness.cosign({ ...log.request(), proof: ['00'.repeat(32)] }))).toEqual({ code: 'WITNESS_BAD_REQUEST' });
    const request = log.request();
    for (const checkpoint of [{ ...request.checkpoint, root: request.checkpoint.root.toUpperCase() }, { ...request.checkpoint, size: 0 }, undefined]) {
      expect(await refused(witness.cosign({ ...request, checkpoint } as never))).toEqual({ code: 'WITNESS_BAD_REQUEST' });
    }
    expect(await refused(witness.cosign(null as never))).toEqual({ code: 'WITNESS_BAD_REQUEST' });
    expect(keys.reads).toBe(0);
  });
});
