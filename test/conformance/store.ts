import { afterEach, describe, expect, it } from 'vitest';
import { encodeLeaf, logLeafHash, MerkleTree, toHex, type BatchHeader } from '@evidence/core';
import { BatchLog } from '../../gateway/src/log/batch-log.js';
import { IdempotencyKeyTaken, type BatchRecord, type CheckpointRecord, type GatewayStore, type NewRecord } from '../../gateway/src/ports/store.js';

/**
 * A store under test: a fresh, empty store, and how to open the same data
 * again after close() (what a crashed or restarted gateway finds).
 */
export interface StoreSubject {
  store: GatewayStore;
  reopen(): Promise<GatewayStore>;
  /** Removes the data (folder, database schema). */
  destroy(): Promise<void>;
}

/**
 * Every behaviour of the store port the gateway relies on (ports/store.ts),
 * run against each adapter: durable append and read back, idempotency keys,
 * the atomic batch close, the batch log and its backfill, checkpoints and
 * their anchoring marks, erasure, subscriptions, nonces, and the state a
 * restart resumes from.
 */
export function describeStoreConformance(name: string, open: () => Promise<StoreSubject>): void {
  describe(`store port conformance: ${name}`, () => {
    const subjects: StoreSubject[] = [];
    const live: GatewayStore[] = [];
    afterEach(async () => {
      for (const s of live.splice(0)) await s.close().catch(() => undefined);
      for (const s of subjects.splice(0)) await s.destroy();
    });

    async function fresh(): Promise<{ store: GatewayStore; reopen: () => Promise<GatewayStore> }> {
      const s = await open();
      subjects.push(s);
      live.push(s.store);
      return {
        store: s.store,
        reopen: async () => {
          for (const st of live.splice(0)) await st.close();
          const again = await s.reopen();
          live.push(again);
          return again;
        },
      };
    }

    it('reads back appended records byte for byte, with their key blocks and idempotency entries', async () => {
      const { store } = await fresh();
      const r = record(2, { client: '药房-杭州', idempotencyKey: '处方/2025-0001', idempotencyDigest: 'ab'.repeat(32) });
      const plain = record(3, { client: '药房-杭州' });
      await store.append([r, plain], [{ id: BLOCK, sealed: new Uint8Array([4, 5, 6]) }]);
      expect(await store.getRecord(r.id)).toEqual(stored(r));
      expect(await store.getRecord(plain.id)).toEqual(stored(plain));
      expect((await store.getRecord(plain.id))!.idempotencyKey).toBeUndefined();
      expect(await store.getKeyBlock(BLOCK)).toEqual({ id: BLOCK, sealed: new Uint8Array([4, 5, 6]) });
      expect(await store.getKeyBlock('34'.repeat(16))).toBeNull();
      expect(await store.findIdempotent('药房-杭州', '处方/2025-0001')).toEqual({ id: r.id, digest: 'ab'.repeat(32) });
      expect(await store.findIdempotent('other-client', '处方/2025-0001')).toBeNull();
      expect(await store.getRecord('ff'.repeat(16))).toBeNull();
      expect(await store.location(r.id)).toBeNull();
    });

    it('refuses a second record under a stored idempotency key, storing nothing of that append', async () => {
      const { store } = await fresh();
      await store.append([record(1, { idempotencyKey: 'k-1', idempotencyDigest: 'ab'.repeat(32) })], []);
      const again = record(2, { idempotencyKey: 'k-1', idempotencyDigest: 'cd'.repeat(32) });
      const bystander = record(3);
      const refused = await store.append([bystander, again], [{ id: '56'.repeat(16), sealed: new Uint8Array([1]) }]).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(IdempotencyKeyTaken);
      expect((refused as IdempotencyKeyTaken).taken).toEqual([{ client: 'his', key: 'k-1' }]);
      expect(await store.getRecord(again.id)).toBeNull();
      expect(await store.getRecord(bystander.id)).toBeNull();
      expect(await store.getKeyBlock('56'.repeat(16))).toBeNull();
      expect((await store.pending()).map((p) => p.id)).toEqual([record(1).id]);
      expect(await store.findIdempotent('his', 'k-1')).toEqual({ id: record(1).id, digest: 'ab'.repeat(32) });
      // The same key under another client is another key.
      await store.append([record(4, { client: 'lab', idempotencyKey: 'k-1', idempotencyDigest: 'ef'.repeat(32) })], []);
      expect((await store.findIdempotent('lab', 'k-1'))?.id).toBe(record(4).id);
    });

    it('lists pending leaves in arrival order; closing a batch takes them off, records locations, the batch, its log nodes and the head at once', async () => {
      const { store } = await fresh();
      await store.append([3, 1, 2].map((i) => record(i)), []);
      await store.append([record(0, { receivedAt: 5001 })], []);
      expect((await store.pending()).map((p) => p.id)).toEqual([0, 1, 2, 3].map((i) => record(i).id));
      expect(await store.pending()).toContainEqual({ id: record(2).id, leaf: record(2).leaf, receivedAt: record(2).receivedAt });
      expect(await store.head()).toBeNull();
      const log = await BatchLog.open(store, 'keccak256');
      const b = batch(0, [record(1), record(2)]);
      const nodes = log.nodesFor(b.header);
      await store.closeBatch(b, [record(1).id, record(2).id], nodes);
      log.appended(nodes);
      expect((await store.pending()).map((p) => p.id)).toEqual([0, 3].map((i) => record(i).id));
      expect(await store.location(record(1).id)).toEqual({ seq: 0, index: 0 });
      expect(await store.location(record(2).id)).toEqual({ seq: 0, index: 1 });
      expect(await store.location(record(3).id)).toBeNull();
      expect(await store.head()).toEqual({ seq: 0, headerHash: b.headerHash });
      expect(await store.getBatch(0)).toEqual(b);
      expect(await store.getBatch(1)).toBeNull();
      expect(await store.logSize()).toBe(1);
      expect((await store.logNodes([{ level: 0, index: 0 }])).map(toHex)).toEqual([toHex(logLeafHash(b.header))]);
      expect(await store.unanchored()).toEqual([0]);
      expect(await store.anchoredHead()).toBe(-1);
    });

    it('keeps the batch log: O(log n) subtrees give the same roots and proofs as the whole tree; a missing subtree throws', async () => {
      const { store } = await fresh();
      const log = await BatchLog.open(store, 'keccak256');
      const headers: BatchHeader[] = [];
      for (let s = 0; s < 7; s++) {
        const b = batch(s, [record(s)]);
        await store.append([record(s)], []);
        const nodes = log.nodesFor(b.header);
        await store.closeBatch(b, [record(s).id], nodes);
        log.appended(nodes);
        headers.push(b.header);
      }
      const tree = MerkleTree.fromLeafHashes('keccak256', headers.map(logLeafHash));
      expect(await store.logSize()).toBe(7);
      expect(await log.root()).toBe(toHex(tree.root));
      expect(await log.inclusionProof(3, 7)).toEqual(tree.proof(3).map(toHex));
      expect(await log.consistencyProof(3, 7)).toEqual(tree.consistencyProof(3).map(toHex));
      await expect(store.logNodes([{ level: 0, index: 0 }, { level: 5, index: 0 }])).rejects.toThrow(/missing/);
      expect(await store.logNodes([])).toEqual([]);
    });

    it('backfills the log of batches closed without one, durably', async () => {
      const { store, reopen } = await fresh();
      const headers: BatchHeader[] = [];
      for (let s = 0; s < 5; s++) {
        const b = batch(s, [record(s)]);
        await store.append([record(s)], []);
        await store.closeBatch(b, [record(s).id], []);
        headers.push(b.header);
      }
      // closeBatch counts entries; a folder from before the log has size 0 and no subtrees.
      const rebuilt = await BatchLog.open({ ...bind(store), logSize: () => Promise.resolve(0) }, 'keccak256');
      expect(rebuilt.size).toBe(5);
      const again = await reopen();
      expect(await again.logSize()).toBe(5);
      const log = await BatchLog.open(again, 'keccak256');
      expect(await log.root()).toBe(toHex(MerkleTree.fromLeafHashes('keccak256', headers.map(logLeafHash)).root));
    });

    it('keeps signed checkpoints, replaced with more cosignatures; anchoring one anchors every batch below it, and bundles keep naming the first', async () => {
      const { store } = await fresh();
      await closeBatches(store, 5);
      expect(await store.latestCheckpoint()).toBeNull();
      for (const size of [2, 3, 5]) await store.putCheckpoint(signed(size));
      expect((await store.latestCheckpoint())?.checkpoint.size).toBe(5);
      expect(await store.checkpointAt(4)).toBeNull();
      const cosigned: CheckpointRecord = { ...signed(3), cosignatures: [{ witness: '77'.repeat(32), ts: 31, publicKey: '04' + '88'.repeat(64), value: '99'.repeat(64) }] };
      await store.putCheckpoint(cosigned);
      expect(await store.checkpointAt(3)).toEqual(cosigned);
      expect(await store.lastAnchoredCheckpoint()).toBeNull();
      expect(await store.anchoredCheckpointCovering(0)).toBeNull();
      expect(await store.anchoredCheckpoints(0, 10)).toEqual([]);
      expect(await store.unanchored()).toEqual([0, 1, 2, 3, 4]);

      const t3 = { chain: 'fabric' as const, channel: 'c', chaincode: 'a', txId: 't3' };
      await store.markCheckpointAnchored(3, t3, 30);
      expect(await store.checkpointAt(3)).toEqual({ ...cosigned, anchor: t3, anchoredAt: 30 });
      expect(await store.anchoredHead()).toBe(2);
      expect(await store.unanchored()).toEqual([3, 4]);
      expect((await store.lastAnchoredCheckpoint())?.checkpoint.size).toBe(3);
      expect((await store.anchoredCheckpointCovering(0))?.checkpoint.size).toBe(3);
      expect((await store.anchoredCheckpointCovering(2))?.checkpoint.size).toBe(3);
      expect(await store.anchoredCheckpointCovering(3)).toBeNull();
      // Found on chain without a receipt first, the receipt later: the first time stays.
      await store.markCheckpointAnchored(5, null, 50);
      await store.markCheckpointAnchored(5, { chain: 'fabric', channel: 'c', chaincode: 'a', txId: 't5' }, 55);
      expect(await store.checkpointAt(5)).toMatchObject({ anchor: { txId: 't5' }, anchoredAt: 50 });
      expect((await store.anchoredCheckpointCovering(1))?.checkpoint.size).toBe(3);
      expect((await store.anchoredCheckpointCovering(3))?.checkpoint.size).toBe(5);
      expect((await store.anchoredCheckpoints(0, 10)).map((c) => c.checkpoint.size)).toEqual([3, 5]);
      expect((await store.anchoredCheckpoints(0, 1)).map((c) => c.checkpoint.size)).toEqual([3]);
      expect((await store.anchoredCheckpoints(3, 10)).map((c) => c.checkpoint.size)).toEqual([5]);
      expect(await store.anchoredHead()).toBe(4);
      expect(await store.unanchored()).toEqual([]);
      expect((await store.lastAnchoredCheckpoint())?.checkpoint.size).toBe(5);
      await expect(store.markCheckpointAnchored(4, null, 60)).rejects.toThrow(/not stored/);
      // A checkpoint written already anchored (recorded from the chain) counts as anchored.
      await closeBatches(store, 2, 5);
      await store.putCheckpoint({ ...signed(7), anchor: null, anchoredAt: 70 });
      expect((await store.lastAnchoredCheckpoint())?.checkpoint.size).toBe(7);
    });

    it('erases payload, salt and key slot together, keeping the leaf and where it is', async () => {
      const { store } = await fresh();
      const r = record(5, { idempotencyKey: 'e-1', idempotencyDigest: 'ab'.repeat(32) });
      await store.append([r, record(6)], [{ id: BLOCK, sealed: new Uint8Array([1, 1]) }]);
      await store.closeBatch(batch(0, [r]), [r.id], []);
      await store.erase(r.id, 777, { id: BLOCK, sealed: new Uint8Array([2, 2]) });
      const back = await store.getRecord(r.id);
      expect(back).toEqual({ ...stored(r), sealedPayload: null, keyRef: null, salt: null, erasedAt: 777 });
      expect((await store.getKeyBlock(BLOCK))?.sealed).toEqual(new Uint8Array([2, 2]));
      expect(await store.location(r.id)).toEqual({ seq: 0, index: 0 });
      // Erasing again keeps the first time.
      await store.erase(r.id, 999, { id: BLOCK, sealed: new Uint8Array([3, 3]) });
      expect((await store.getRecord(r.id))?.erasedAt).toBe(777);
      expect(await store.getRecord(record(6).id)).toEqual(stored(record(6)));
      await expect(store.erase('00'.repeat(16), 1, { id: BLOCK, sealed: new Uint8Array([3]) })).rejects.toThrow();
    });

    it('keeps subscriptions', async () => {
      const { store } = await fresh();
      const s = { id: 's1', client: 'ins', url: 'http://127.0.0.1:1/hook', kinds: ['payment'], createdAt: 1 };
      await store.putSubscription(s);
      await store.putSubscription({ ...s, id: 's2', kinds: [] });
      expect((await store.listSubscriptions()).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([s, { ...s, id: 's2', kinds: [] }]);
      expect(await store.deleteSubscription('s1')).toBe(true);
      expect(await store.deleteSubscription('s1')).toBe(false);
      expect((await store.listSubscriptions()).map((x) => x.id)).toEqual(['s2']);
    });

    it('claims a nonce once while it lives, again once expired; lists live ones', async () => {
      const { store } = await fresh();
      expect(await store.claimNonce({ key: 'c:n1', expiresAt: 5000 }, 1000)).toBe(true);
      expect(await store.claimNonce({ key: 'c:n1', expiresAt: 6000 }, 2000)).toBe(false);
      const both = await Promise.all([store.claimNonce({ key: 'c:n2', expiresAt: 5000 }, 1000), store.claimNonce({ key: 'c:n2', expiresAt: 5000 }, 1000)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await store.claimNonce({ key: 'c:n1', expiresAt: 9000 }, 5000)).toBe(true);
      await store.putNonces([{ key: 'c:old', expiresAt: 1000 }]);
      expect((await store.liveNonces(6000)).sort((a, b) => a.expiresAt - b.expiresAt)).toEqual([{ key: 'c:n1', expiresAt: 9000 }]);
      expect(await store.claimNonce({ key: 'c:n2', expiresAt: 12000 }, 6000)).toBe(true);
    });

    it('after close and reopen holds everything a restart resumes from', async () => {
      const { store, reopen } = await fresh();
      const r = record(1, { idempotencyKey: 'k-1', idempotencyDigest: 'ab'.repeat(32) });
      await store.append([r, record(2), record(3)], [{ id: BLOCK, sealed: new Uint8Array([4, 5, 6]) }]);
      await store.append([record(4)], []);
      const log = await BatchLog.open(store, 'keccak256');
      const b = batch(0, [r, record(3)]);
      const nodes = log.nodesFor(b.header);
      await store.closeBatch(b, [r.id, record(3).id], nodes);
      await store.putCheckpoint(signed(1));
      await store.putSubscription({ id: 's1', client: 'ins', url: 'http://127.0.0.1:1/hook', kinds: [], createdAt: 1 });
      await store.claimNonce({ key: 'c:n', expiresAt: 5000 }, 1000);

      const again = await reopen();
      expect(await again.getRecord(r.id)).toEqual(stored(r));
      expect(await again.getKeyBlock(BLOCK)).toEqual({ id: BLOCK, sealed: new Uint8Array([4, 5, 6]) });
      expect(await again.findIdempotent('his', 'k-1')).toEqual({ id: r.id, digest: 'ab'.repeat(32) });
      expect(await again.pending()).toEqual([2, 4].map((i) => ({ id: record(i).id, leaf: record(i).leaf, receivedAt: record(i).receivedAt })));
      expect(await again.head()).toEqual({ seq: 0, headerHash: b.headerHash });
      expect(await again.getBatch(0)).toEqual(b);
      expect(await again.location(record(3).id)).toEqual({ seq: 0, index: 1 });
      expect(await again.logSize()).toBe(1);
      expect(await again.latestCheckpoint()).toEqual(signed(1));
      expect(await again.unanchored()).toEqual([0]);
      expect(await again.listSubscriptions()).toHaveLength(1);
      expect(await again.claimNonce({ key: 'c:n', expiresAt: 6000 }, 2000)).toBe(false);
      // The reopened store carries on: the rest of the pending leaves close as the next batch.
      const reopened = await BatchLog.open(again, 'keccak256');
      const next = batch(1, [record(2), record(4)]);
      const more = reopened.nodesFor(next.header);
      await again.closeBatch(next, [record(2).id, record(4).id], more);
      expect(await again.pending()).toEqual([]);
      await again.markCheckpointAnchored(1, null, 10);
      const third = await reopen();
      expect(await third.anchoredHead()).toBe(0);
      expect(await third.unanchored()).toEqual([1]);
      expect(await third.pending()).toEqual([]);
    });

    it('makes concurrent appends each durable', async () => {
      const { store, reopen } = await fresh();
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.append([record(100 + i)], [])));
      expect((await store.pending()).length).toBe(100);
      const again = await reopen();
      expect((await again.pending()).length).toBe(100);
    });
  });
}

const BLOCK = '12'.repeat(16);

export function record(i: number, extra: Partial<NewRecord> = {}): NewRecord {
  const id = i.toString(16).padStart(32, '0');
  const leaf = encodeLeaf({ v: 1, kind: 1 + (i % 12), id, gateway: 'aa'.repeat(32), subject: 'bb'.repeat(32), ts: 1000 + i, commitment: 'cc'.repeat(32) });
  return { id, leaf, sealedPayload: new Uint8Array([1, 2, 3, i & 0xff]), keyRef: { block: BLOCK, index: i }, salt: new Uint8Array(32).fill(9), client: 'his', receivedAt: 5000 + i, ...extra };
}

/** A record as read back: without the idempotency digest, which lives in the idempotency entry. */
function stored(r: NewRecord) {
  const { idempotencyDigest: _, ...rest } = r;
  return rest;
}

export function batch(seq: number, records: NewRecord[]): BatchRecord {
  const header: BatchHeader = { v: 1, gateway: 'aa'.repeat(32), seq, alg: 'keccak256', size: records.length, root: 'dd'.repeat(32), prev: '00'.repeat(32), closedAt: 9000 };
  const leaves = new Uint8Array(records.length * 122);
  records.forEach((r, i) => leaves.set(r.leaf, i * 122));
  return { header, signature: 'ee'.repeat(64), headerHash: toHex(new Uint8Array(32).fill(seq + 1)), publicKey: '04' + 'ff'.repeat(64), leaves, oldestReceivedAt: 1, anchored: false, anchor: null, anchoredAt: null };
}

function signed(size: number): CheckpointRecord {
  return {
    checkpoint: { gateway: 'aa'.repeat(32), alg: 'keccak256', size, root: 'ab'.repeat(32), ts: size },
    signature: 'cd'.repeat(64),
    publicKey: '04' + 'ef'.repeat(64),
    cosignatures: [],
    anchor: null,
    anchoredAt: null,
  };
}

async function closeBatches(store: GatewayStore, n: number, from = 0): Promise<void> {
  const log = await BatchLog.open(store, 'keccak256');
  for (let s = from; s < from + n; s++) {
    const r = record(1000 + s);
    await store.append([r], []);
    const b = batch(s, [r]);
    const nodes = log.nodesFor(b.header);
    await store.closeBatch(b, [r.id], nodes);
    log.appended(nodes);
  }
}

/** The store's methods bound to it, so a test can replace one. */
function bind(store: GatewayStore): GatewayStore {
  const out: Record<string, unknown> = {};
  for (let p: object | null = store; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const v = (store as unknown as Record<string, unknown>)[k];
      if (typeof v === 'function' && !(k in out)) out[k] = (v as (...a: unknown[]) => unknown).bind(store);
    }
  }
  return out as unknown as GatewayStore;
}
