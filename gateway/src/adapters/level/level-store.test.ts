import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeLeaf, logLeafHash, MerkleTree, toHex, type BatchHeader } from '@evidence/core';
import { BatchLog } from '../../log/batch-log.js';
import type { BatchRecord, CheckpointRecord, NewRecord } from '../../ports/store.js';
import { ClassicLevel } from 'classic-level';
import { encodePending, encodeRecord } from './codec.js';
import { LevelStore } from './level-store.js';

const dirs: string[] = [];
const stores: LevelStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir = mkdtempSync(join(tmpdir(), 'gw-store-'))): Promise<{ store: LevelStore; dir: string }> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const store = await LevelStore.open(dir);
  stores.push(store);
  return { store, dir };
}

function record(i: number, extra: Partial<NewRecord> = {}): NewRecord {
  const id = i.toString(16).padStart(32, '0');
  const leaf = encodeLeaf({ v: 1, kind: 1 + (i % 12), id, gateway: 'aa'.repeat(32), subject: 'bb'.repeat(32), ts: 1000 + i, commitment: 'cc'.repeat(32) });
  return { id, leaf, sealedPayload: new Uint8Array([1, 2, 3, i & 0xff]), keyRef: { block: '12'.repeat(16), index: i }, salt: new Uint8Array(32).fill(9), client: 'his', receivedAt: 5000 + i, ...extra };
}

function batch(seq: number, records: NewRecord[]): BatchRecord {
  const header: BatchHeader = { v: 1, gateway: 'aa'.repeat(32), seq, alg: 'keccak256', size: records.length, root: 'dd'.repeat(32), prev: '00'.repeat(32), closedAt: 9000 };
  const leaves = new Uint8Array(records.length * 122);
  records.forEach((r, i) => leaves.set(r.leaf, i * 122));
  return { header, signature: 'ee'.repeat(64), headerHash: toHex(new Uint8Array(32).fill(seq + 1)), publicKey: '04' + 'ff'.repeat(64), leaves, oldestReceivedAt: 1, anchored: false, anchor: null, anchoredAt: null };
}

describe('LevelStore', () => {
  it('keeps multi-byte client ids and idempotency keys intact', async () => {
    const { store } = await open();
    const r = record(2, { client: '药房-杭州', idempotencyKey: '处方/2025-0001', idempotencyDigest: 'ab'.repeat(32) });
    const plain = record(3, { client: '药房-杭州' });
    await store.append([r, plain], []);
    expect(await store.getRecord(r.id)).toMatchObject({ client: '药房-杭州', idempotencyKey: '处方/2025-0001', sealedPayload: r.sealedPayload, keyRef: r.keyRef });
    expect((await store.getRecord(plain.id))!.idempotencyKey).toBeUndefined();
    expect(await store.findIdempotent('药房-杭州', '处方/2025-0001')).toEqual({ id: r.id, digest: 'ab'.repeat(32) });
  });

  it('keeps records byte for byte across a reopen', async () => {
    const { store, dir } = await open();
    const r = record(1, { idempotencyKey: 'k-1', idempotencyDigest: 'ab'.repeat(32) });
    await store.append([r], [{ id: '12'.repeat(16), sealed: new Uint8Array([4, 5, 6]) }]);
    await store.close();
    stores.pop();
    const { store: again } = await open(dir);
    const back = await again.getRecord(r.id);
    expect(back).toEqual({ id: r.id, leaf: r.leaf, sealedPayload: r.sealedPayload, keyRef: r.keyRef, salt: r.salt, client: 'his', receivedAt: r.receivedAt, idempotencyKey: 'k-1' });
    expect(await again.getKeyBlock('12'.repeat(16))).toEqual({ id: '12'.repeat(16), sealed: new Uint8Array([4, 5, 6]) });
    expect(await again.findIdempotent('his', 'k-1')).toEqual({ id: r.id, digest: 'ab'.repeat(32) });
    expect(await again.findIdempotent('other-client', 'k-1')).toBeNull();
    expect(await again.getRecord('ff'.repeat(16))).toBeNull();
  });

  it('lists pending leaves in arrival order until a batch takes them, atomically', async () => {
    const { store } = await open();
    const rs = [3, 1, 2].map((i) => record(i));
    await store.append(rs, []);
    expect((await store.pending()).map((p) => p.id)).toEqual([1, 2, 3].map((i) => record(i).id));
    const b = batch(0, [record(1), record(2)]);
    await store.closeBatch(b, [record(1).id, record(2).id], []);
    expect((await store.pending()).map((p) => p.id)).toEqual([record(3).id]);
    expect(await store.location(record(2).id)).toEqual({ seq: 0, index: 1 });
    expect(await store.location(record(3).id)).toBeNull();
    expect(await store.head()).toEqual({ seq: 0, headerHash: b.headerHash });
    const stored = await store.getBatch(0);
    expect(stored?.leaves).toEqual(b.leaves);
    expect(stored?.header).toEqual(b.header);
  });

  it('keeps one pending entry per append, dropped with the last of its records, across reopens', async () => {
    const { store, dir } = await open();
    await store.append([1, 2, 3].map((i) => record(i)), []);
    await store.append([4, 5].map((i) => record(i)), []);
    // A batch takes part of the first group and part of the second.
    await store.closeBatch(batch(0, [record(1), record(2), record(4)]), [1, 2, 4].map((i) => record(i).id), []);
    expect((await store.pending()).map((p) => p.id)).toEqual([3, 5].map((i) => record(i).id));
    await store.close();
    stores.pop();
    // After a restart the groups are rebuilt from disk: records with a location are not pending.
    const { store: again } = await open(dir);
    const pending = await again.pending();
    expect(pending).toEqual([3, 5].map((i) => ({ id: record(i).id, leaf: record(i).leaf, receivedAt: record(i).receivedAt })));
    await again.closeBatch(batch(1, [record(3), record(5)]), [3, 5].map((i) => record(i).id), []);
    expect(await again.pending()).toEqual([]);
    await again.close();
    stores.pop();
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    expect(await db.keys({ gt: 'p!', lt: 'p"' }).all()).toEqual([]);
    await db.close();
  });

  it('still batches pending leaves written one per record by earlier versions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
    dirs.push(dir);
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    const old = record(7);
    await db.batch([
      { type: 'put', key: `r!${old.id}`, value: encodeRecord(old) },
      { type: 'put', key: `q!${old.id}`, value: encodePending(old.leaf, old.receivedAt) },
    ]);
    await db.close();
    const { store } = await open(dir);
    await store.append([record(8)], []);
    expect((await store.pending()).map((p) => p.id)).toEqual([old.id, record(8).id]);
    await store.closeBatch(batch(0, [old, record(8)]), [old.id, record(8).id], []);
    expect(await store.pending()).toEqual([]);
    expect(await store.location(old.id)).toEqual({ seq: 0, index: 0 });
  });

  it('keeps the batch log, signed checkpoints and which of them are anchored; anchoring a checkpoint anchors every batch below it', async () => {
    const { store, dir } = await open();
    const log = await BatchLog.open(store, 'keccak256');
    const headers = [];
    for (let s = 0; s < 5; s++) {
      const b = batch(s, [record(s)]);
      const nodes = log.nodesFor(b.header);
      await store.closeBatch(b, [record(s).id], nodes);
      log.appended(nodes);
      headers.push(b.header);
    }
    const tree = MerkleTree.fromLeafHashes('keccak256', headers.map(logLeafHash));
    expect(await log.root()).toBe(toHex(tree.root));
    expect(await store.logSize()).toBe(5);
    const signed = (size: number, ts: number): CheckpointRecord => ({
      checkpoint: { gateway: 'aa'.repeat(32), alg: 'keccak256', size, root: 'ab'.repeat(32), ts },
      signature: 'cd'.repeat(64),
      publicKey: '04' + 'ef'.repeat(64),
      cosignatures: [],
      anchor: null,
      anchoredAt: null,
    });
    for (const size of [2, 3, 5]) await store.putCheckpoint(signed(size, size));
    expect((await store.latestCheckpoint())?.checkpoint.size).toBe(5);
    expect(await store.lastAnchoredCheckpoint()).toBeNull();
    expect(await store.anchoredCheckpointCovering(0)).toBeNull();
    expect(await store.unanchored()).toEqual([0, 1, 2, 3, 4]);

    await store.markCheckpointAnchored(3, { chain: 'fabric', channel: 'c', chaincode: 'a', txId: 't3' }, 30);
    expect(await store.anchoredHead()).toBe(2);
    expect(await store.unanchored()).toEqual([3, 4]);
    expect((await store.anchoredCheckpointCovering(0))?.checkpoint.size).toBe(3);
    expect((await store.anchoredCheckpointCovering(2))?.checkpoint.size).toBe(3);
    expect(await store.anchoredCheckpointCovering(3)).toBeNull();
    // A later checkpoint never changes the one an earlier batch's bundle names.
    await store.markCheckpointAnchored(5, null, 50);
    await store.markCheckpointAnchored(5, { chain: 'fabric', channel: 'c', chaincode: 'a', txId: 't5' }, 55);
    expect((await store.anchoredCheckpointCovering(1))?.checkpoint.size).toBe(3);
    expect((await store.anchoredCheckpointCovering(3))?.checkpoint).toMatchObject({ size: 5 });
    expect(await store.checkpointAt(5)).toMatchObject({ anchor: { txId: 't5' }, anchoredAt: 50 });
    expect((await store.anchoredCheckpoints(0, 10)).map((c) => c.checkpoint.size)).toEqual([3, 5]);
    expect((await store.anchoredCheckpoints(3, 10)).map((c) => c.checkpoint.size)).toEqual([5]);
    expect(await store.anchoredHead()).toBe(4);
    expect(await store.unanchored()).toEqual([]);
    await expect(store.markCheckpointAnchored(4, null, 60)).rejects.toThrow(/not stored/);

    // Reopened, the log resumes from its stored right edge and proves the same.
    await store.close();
    stores.pop();
    const { store: again } = await open(dir);
    const reopened = await BatchLog.open(again, 'keccak256');
    expect(reopened.size).toBe(5);
    expect(await reopened.root()).toBe(toHex(tree.root));
    expect(await reopened.root(3)).toBe(toHex(MerkleTree.fromLeafHashes('keccak256', headers.slice(0, 3).map(logLeafHash)).root));
    expect(await reopened.inclusionProof(2, 5)).toEqual(tree.proof(2).map(toHex));
    expect(await reopened.consistencyProof(2, 5)).toEqual(tree.consistencyProof(2).map(toHex));
  });

  it('builds the batch log of a data folder from before the log, once, from the stored headers', async () => {
    const { store, dir } = await open();
    const headers = [];
    for (let s = 0; s < 6; s++) {
      const b = batch(s, [record(s)]);
      await store.closeBatch(b, [record(s).id], []);
      headers.push(b.header);
    }
    // Earlier versions kept no log: no subtrees and no log size.
    await store.close();
    stores.pop();
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await db.del('m!log');
    await db.close();
    const { store: again } = await open(dir);
    const log = await BatchLog.open(again, 'keccak256');
    expect(await again.logSize()).toBe(6);
    expect(await log.root()).toBe(toHex(MerkleTree.fromLeafHashes('keccak256', headers.map(logLeafHash)).root));
  });

  it('erases payload, key reference and salt with the rewritten key block, keeping the leaf', async () => {
    const { store } = await open();
    const r = record(5);
    await store.append([r], [{ id: '12'.repeat(16), sealed: new Uint8Array([1]) }]);
    await store.erase(r.id, 777, { id: '12'.repeat(16), sealed: new Uint8Array([2]) });
    const back = await store.getRecord(r.id);
    expect(back).toMatchObject({ sealedPayload: null, keyRef: null, salt: null, erasedAt: 777 });
    expect(back?.leaf).toEqual(r.leaf);
    expect((await store.getKeyBlock('12'.repeat(16)))?.sealed).toEqual(new Uint8Array([2]));
    await expect(store.erase('00'.repeat(16), 1, { id: '12'.repeat(16), sealed: new Uint8Array([3]) })).rejects.toThrow();
  });

  it('groups concurrent appends into fewer synced writes, each caller resolving after its own', async () => {
    const { store } = await open();
    const before = store.stats.writes;
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.append([record(100 + i)], [])));
    const writes = store.stats.writes - before;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThan(200);
    expect((await store.pending()).length).toBe(200);
  });

  it('refuses writes once closed instead of leaving the caller waiting', async () => {
    const { store } = await open();
    await store.close();
    stores.pop();
    await expect(store.append([record(7)], [])).rejects.toThrow();
    await expect(store.append([record(8)], [])).rejects.toThrow();
  });

  it('keeps subscriptions and live nonces, dropping expired ones', async () => {
    const { store } = await open();
    await store.putSubscription({ id: 's1', client: 'ins', url: 'http://127.0.0.1:1/hook', kinds: ['payment'], createdAt: 1 });
    expect(await store.listSubscriptions()).toHaveLength(1);
    expect(await store.deleteSubscription('s1')).toBe(true);
    expect(await store.deleteSubscription('s1')).toBe(false);
    await store.putNonces([
      { key: 'c:old', expiresAt: 1000 },
      { key: 'c:new', expiresAt: 5000 },
    ]);
    expect(await store.liveNonces(2000)).toEqual([{ key: 'c:new', expiresAt: 5000 }]);
    expect(await store.liveNonces(0)).toEqual([{ key: 'c:new', expiresAt: 5000 }]);
  });
});
