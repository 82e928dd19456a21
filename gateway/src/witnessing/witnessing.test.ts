import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkConsistency,
  cosignCheckpoint,
  fromHex,
  generateSm2KeyPair,
  keccak256,
  MerkleTree,
  signCheckpoint,
  toHex,
  verifyCheckpointSignature,
  verifyCosignature,
  type Checkpoint,
} from '@evidence/core';
import type { CheckpointRecord } from '../ports/store.js';
import { CheckpointWrites } from './checkpoint-writes.js';
import type { CosignOutcome, CosignRequest, RequestCosignature } from './port.js';
import type { WitnessEndpoint } from './settings.js';
import { Witnessing, type WitnessingOptions } from './witnessing.js';

const gw = { id: toHex(randomBytes(32)), ...generateSm2KeyPair() };
const leaves = Array.from({ length: 16 }, (_, i) => new Uint8Array(8).fill(i + 1));
const treeOf = (size: number) => MerkleTree.fromLeaves('keccak256', leaves.slice(0, size));
const log = {
  proofs: [] as [number, number][],
  async consistencyProof(first: number, second: number) {
    this.proofs.push([first, second]);
    return treeOf(second).consistencyProof(first).map(toHex);
  },
};

function signed(size: number, ts = Date.now()): CheckpointRecord {
  const checkpoint: Checkpoint = { gateway: gw.id, alg: 'keccak256', size, root: toHex(treeOf(size).root), ts };
  return { checkpoint, signature: toHex(signCheckpoint(checkpoint, gw.privateKey)), publicKey: gw.publicKey, cosignatures: [], anchor: null, anchoredAt: null };
}

/** The records as a LevelStore keeps them (one per size, rewritten whole), with a pause in each call so writes can interleave. */
function memoryRecords() {
  const map = new Map<number, CheckpointRecord>();
  const tick = () => new Promise((r) => setTimeout(r, 1));
  return {
    map,
    async checkpointAt(size: number) {
      await tick();
      const r = map.get(size);
      return r ? structuredClone(r) : null;
    },
    async putCheckpoint(record: CheckpointRecord) {
      await tick();
      map.set(record.checkpoint.size, structuredClone(record));
    },
    async markCheckpointAnchored(size: number, _anchor: unknown, at: number) {
      const r = await this.checkpointAt(size);
      await tick();
      map.set(size, { ...r!, anchoredAt: at });
    },
  };
}

/**
 * A witness following the contract, in memory: it checks the gateway's
 * signature and the consistency proof from the last size it cosigned, and
 * answers 409 WITNESS_WRONG_BASE when `from` is not that size.
 */
function witness(code: string) {
  const keys = generateSm2KeyPair();
  const endpoint: WitnessEndpoint = { id: toHex(randomBytes(32)), url: `http://${code}.invalid`, publicKey: keys.publicKey, code };
  const state = { last: null as { size: number; root: string } | null, requests: [] as CosignRequest[] };
  const honest = (req: CosignRequest): CosignOutcome => {
    state.requests.push(req);
    const cp = req.checkpoint;
    if (!verifyCheckpointSignature(cp, fromHex(req.signature.value), gw.publicKey)) return refusal('WITNESS_BAD_SIGNATURE');
    const base = state.last?.size ?? 0;
    if (req.from !== base) return { kind: 'wrong-base', size: base, message: `last cosigned ${base}` };
    if (state.last) {
      if (cp.size < state.last.size) return refusal('WITNESS_STALE');
      const holds = checkConsistency(keccak256, state.last.size, cp.size, fromHex(state.last.root), fromHex(cp.root), req.proof.map((p) => fromHex(p)));
      if (!holds) return refusal('WITNESS_FORK');
    } else if (req.proof.length > 0) return refusal('WITNESS_BAD_REQUEST');
    state.last = { size: cp.size, root: cp.root };
    return { kind: 'cosigned', cosignature: cosignCheckpoint(cp, { id: endpoint.id, ...keys }, Date.now()) };
  };
  return { endpoint, keys, state, honest };
}

const refusal = (code: 'WITNESS_BAD_SIGNATURE' | 'WITNESS_STALE' | 'WITNESS_FORK' | 'WITNESS_BAD_REQUEST'): CosignOutcome => ({ kind: 'refused', code, status: 409, message: code });
type Behaviour = (req: CosignRequest, signal: AbortSignal) => CosignOutcome | Promise<CosignOutcome>;

function setup(witnesses: { endpoint: WitnessEndpoint; behaviour: Behaviour }[], options: Partial<WitnessingOptions> = {}) {
  const records = memoryRecords();
  const writes = new CheckpointWrites(records);
  const logged = { warn: [] as string[], error: [] as string[], info: [] as string[] };
  const counts = { cosigned: new Map<string, number>(), failed: [] as string[] };
  const byId = new Map(witnesses.map((w) => [w.endpoint.id, w.behaviour]));
  const request: RequestCosignature = async (w, req, signal) => byId.get(w.id)!(structuredClone(req), signal);
  const service = new Witnessing({
    witnesses: witnesses.map((w) => w.endpoint),
    quorum: 2,
    timeoutMs: 300,
    request,
    writes,
    log,
    logger: { info: (m) => logged.info.push(m), warn: (m) => logged.warn.push(m), error: (m) => logged.error.push(m) },
    onCosigned: (w) => counts.cosigned.set(w.id, (counts.cosigned.get(w.id) ?? 0) + 1),
    onFailed: (w, code) => counts.failed.push(`${w.code}:${code}`),
    retry: { firstMs: 30, maxMs: 100 },
    ...options,
  });
  const put = async (record: CheckpointRecord) => {
    await writes.run(() => records.putCheckpoint(record));
    return record;
  };
  return { service, records, writes, logged, counts, put, stored: (size: number) => records.map.get(size)?.cosignatures ?? [] };
}

const hang: Behaviour = (_req, signal) =>
  new Promise((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'failed', code: 'WITNESS_TIMEOUT', message: 'aborted' })));
const unreachable: Behaviour = () => ({ kind: 'failed', code: 'WITNESS_UNREACHABLE', message: 'ECONNREFUSED' });
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Witnessing', () => {
  it('returns once the quorum is stored, keeps the third cosignature when it comes, and every kept one verifies', async () => {
    const [a, b, c] = [witness('A'), witness('B'), witness('C')];
    let releaseC!: () => void;
    const cGate = new Promise<void>((r) => (releaseC = r));
    const t = setup([
      { endpoint: a.endpoint, behaviour: a.honest },
      { endpoint: b.endpoint, behaviour: b.honest },
      { endpoint: c.endpoint, behaviour: async (req) => (await cGate, c.honest(req)) },
    ]);
    const record = await t.put(signed(3));
    const started = Date.now();
    await t.service.collect(record);
    expect(Date.now() - started).toBeLessThan(300);
    expect(t.stored(3).map((s) => s.witness).sort()).toEqual([a.endpoint.id, b.endpoint.id].sort());

    releaseC();
    await until(() => t.stored(3).length === 3);
    for (const s of t.stored(3)) expect(verifyCosignature(record.checkpoint, s)).toBe(true);
    expect(t.service.status().map((s) => s.lastCosignedSize)).toEqual([3, 3, 3]);

    // The next checkpoint is proved from 3 to every witness, which checks it.
    const next = await t.put(signed(7));
    await t.service.collect(next);
    await until(() => t.stored(7).length === 3);
    expect(c.state.requests.at(-1)).toMatchObject({ from: 3, proof: treeOf(7).consistencyProof(3).map(toHex) });
    expect(t.counts.cosigned.get(a.endpoint.id)).toBe(2);
    await t.service.stop();
  });

  it('waits no longer than the timeout for a hanging witness, and not at all once the quorum cannot be met', async () => {
    const [a, b, c] = [witness('A'), witness('B'), witness('C')];
    const t = setup(
      [
        { endpoint: a.endpoint, behaviour: a.honest },
        { endpoint: b.endpoint, behaviour: hang },
        { endpoint: c.endpoint, behaviour: unreachable },
      ],
      { quorum: 2, timeoutMs: 400 },
    );
    const first = await t.put(signed(2));
    let started = Date.now();
    await t.service.collect(first);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(1500);
    expect(t.stored(2).map((s) => s.witness)).toEqual([a.endpoint.id]);
    expect(t.service.status().find((s) => s.id === c.endpoint.id)).toMatchObject({ failing: true, lastError: { code: 'WITNESS_UNREACHABLE' } });
    await t.service.stop();

    // Two of three down fast: quorum 2 is out of reach at once.
    const a2 = witness('A2');
    const u = setup(
      [
        { endpoint: a2.endpoint, behaviour: a2.honest },
        { endpoint: b.endpoint, behaviour: unreachable },
        { endpoint: c.endpoint, behaviour: unreachable },
      ],
      { quorum: 2, timeoutMs: 5000 },
    );
    const second = await u.put(signed(2));
    started = Date.now();
    await u.service.collect(second);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(u.service.quorumReachable).toBe(false);
    await u.service.stop();
  });

  it('retries once from the size a 409 names, and asks a witness that did not answer again until it cosigns', async () => {
    const a = witness('A');
    const b = witness('B');
    // B restarted having cosigned size 4 of this log: the gateway, knowing nothing, asks from 0.
    b.state.last = { size: 4, root: toHex(treeOf(4).root) };
    let down = 2;
    const t = setup(
      [
        { endpoint: a.endpoint, behaviour: (req) => (down-- > 0 ? unreachable(req, new AbortController().signal) : a.honest(req)) },
        { endpoint: b.endpoint, behaviour: b.honest },
      ],
      { quorum: 1 },
    );
    log.proofs.length = 0;
    const record = await t.put(signed(9));
    await t.service.collect(record);
    expect(b.state.requests.map((r) => r.from)).toEqual([0, 4]);
    expect(log.proofs).toContainEqual([4, 9]);
    expect(t.stored(9).map((s) => s.witness)).toContain(b.endpoint.id);
    expect(t.counts.failed).not.toContain(`B:WITNESS_WRONG_BASE`);

    // A was down twice: asked again after a pause, it cosigns the same checkpoint late.
    await until(() => t.stored(9).length === 2);
    expect(t.counts.failed.filter((f) => f === 'A:WITNESS_UNREACHABLE')).toHaveLength(2);
    expect(t.logged.warn.filter((m) => m.includes('WITNESS_UNREACHABLE'))).toHaveLength(1);
    expect(t.logged.info.join()).toMatch(/cosigns again/);
    expect(t.service.status()[0]).toMatchObject({ failing: false, lastCosignedSize: 9, lastError: { code: 'WITNESS_UNREACHABLE' } });
    await t.service.stop();
  });

  it('gives up after a second 409, and when a 409 names a size beyond the checkpoint', async () => {
    const liar = witness('L');
    let n = 0;
    const t = setup([{ endpoint: liar.endpoint, behaviour: () => ({ kind: 'wrong-base', size: [1, 2, 50][n++ % 3]!, message: 'moved' }) }], { quorum: 1 });
    await t.service.collect(await t.put(signed(5)));
    expect(n).toBe(2);
    expect(t.service.status()[0]).toMatchObject({ lastError: { code: 'WITNESS_WRONG_BASE' }, lastCosignedSize: 2 });
    n = 2;
    await t.service.collect(await t.put(signed(6)));
    expect(n).toBe(3);
    expect(t.service.status()[0]).toMatchObject({ lastCosignedSize: 50 });
    expect(t.stored(5)).toEqual([]);
    await t.service.stop();
  });

  it('keeps no cosignature by another key, for another witness id, or over another checkpoint', async () => {
    const [a, b, c, d] = [witness('A'), witness('B'), witness('C'), witness('D')];
    const stranger = generateSm2KeyPair();
    const t = setup(
      [
        // Valid signature, but by a key nobody configured.
        { endpoint: a.endpoint, behaviour: (req) => ({ kind: 'cosigned', cosignature: cosignCheckpoint(req.checkpoint, { id: a.endpoint.id, ...stranger }, Date.now()) }) },
        // B's own valid cosignature, presented as C's by C's channel.
        { endpoint: c.endpoint, behaviour: (req) => b.honest(req) },
        // A cosignature of another checkpoint of this gateway.
        { endpoint: d.endpoint, behaviour: (req) => ({ kind: 'cosigned', cosignature: cosignCheckpoint({ ...req.checkpoint, ts: req.checkpoint.ts + 1 }, { id: d.endpoint.id, ...d.keys }, 1) }) },
        { endpoint: b.endpoint, behaviour: () => ({ kind: 'cosigned', cosignature: 'garbage' }) },
      ],
      { quorum: 1, timeoutMs: 300 },
    );
    await t.service.collect(await t.put(signed(3)));
    await until(() => t.counts.failed.length === 4);
    expect(t.stored(3)).toEqual([]);
    expect(t.counts.failed.sort()).toEqual(['A:WITNESS_BAD_COSIGNATURE', 'B:WITNESS_BAD_COSIGNATURE', 'C:WITNESS_BAD_COSIGNATURE', 'D:WITNESS_BAD_COSIGNATURE']);
    const errors = Object.fromEntries(t.service.status().map((s) => [s.code, s.lastError?.message]));
    expect(errors.A).toMatch(/another key/);
    expect(errors.C).toMatch(/names witness/);
    expect(errors.D).toMatch(/does not verify/);
    expect(errors.B).toMatch(/not an object/);
    await t.service.stop();
  });

  it('raises the alarm, in Chinese and English, when a witness says this checkpoint forks what it cosigned', async () => {
    const w = witness('F');
    // The witness cosigned, for this gateway's id and key, a size-4 root this log does not have.
    w.state.last = { size: 4, root: toHex(randomBytes(32)) };
    const t = setup([{ endpoint: w.endpoint, behaviour: w.honest }], { quorum: 1 });
    await t.service.collect(await t.put(signed(8)));
    expect(t.counts.failed).toEqual(['F:WITNESS_FORK']);
    expect(t.logged.error).toHaveLength(1);
    expect(t.logged.error[0]).toMatch(/日志分叉/);
    expect(t.logged.error[0]).toMatch(/WITNESS_FORK.*check now/);
    // A verdict, not an outage: the same checkpoint is not asked again.
    await new Promise((r) => setTimeout(r, 150));
    expect(w.state.requests).toHaveLength(2);
    await t.service.stop();
  });

  it('asks each witness for the newest checkpoint only, and drops a cosignature of a checkpoint signed again meanwhile', async () => {
    const w = witness('N');
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const t = setup([{ endpoint: w.endpoint, behaviour: async (req) => (await gate, w.honest(req)) }], { quorum: 0 });
    const one = await t.put(signed(1));
    await t.service.collect(one);
    await t.service.collect(await t.put(signed(2)));
    const three = await t.put(signed(3));
    await t.service.collect(three);
    // Size 1 is signed again with a fresh time (renewed) while its request is out.
    await t.put(signed(1, one.checkpoint.ts + 5));
    const firstGate = release;
    gate = Promise.resolve();
    firstGate();
    await until(() => t.stored(3).length === 1);
    expect(w.state.requests.map((r) => r.checkpoint.size)).toEqual([1, 3]);
    expect(t.stored(1)).toEqual([]);
    expect(t.stored(2)).toEqual([]);
    await t.service.stop();
  });

  it('stop() ends a wait and aborts requests in flight', async () => {
    const w = witness('H');
    const t = setup([{ endpoint: w.endpoint, behaviour: hang }], { quorum: 1, timeoutMs: 60_000 });
    const waiting = t.service.collect(await t.put(signed(1)));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await t.service.stop();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
    await t.service.collect(await t.put(signed(2)));
    expect(t.stored(2)).toEqual([]);
  });
});

describe('CheckpointWrites', () => {
  it('loses neither a cosignature nor the anchoring when both rewrite one record at once', async () => {
    const records = memoryRecords();
    const writes = new CheckpointWrites(records);
    const guarded = writes.guard(records);
    const w = witness('W');
    const record = signed(4);
    await guarded.putCheckpoint(record);
    const cosignature = cosignCheckpoint(record.checkpoint, { id: w.endpoint.id, ...w.keys }, 1);
    await Promise.all([writes.addCosignature(record.checkpoint, cosignature), guarded.markCheckpointAnchored(4, null, 123)]);
    expect(records.map.get(4)).toMatchObject({ anchoredAt: 123, cosignatures: [cosignature] });
    // The same witness again changes nothing; a checkpoint no longer stored takes nothing.
    await writes.addCosignature(record.checkpoint, { ...cosignature, ts: 2 });
    expect(records.map.get(4)!.cosignatures).toEqual([cosignature]);
    expect(await writes.addCosignature(signed(5).checkpoint, cosignature)).toBeNull();
    // Everything else goes straight to the store.
    expect((await guarded.checkpointAt(4))?.anchoredAt).toBe(123);
  });
});
