import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeLeaf,
  fromHex,
  generateSm2KeyPair,
  headerHash,
  keccak256,
  toHex,
  verifyBundle,
  verifyHeaderSignature,
  verifyInclusion,
  leafHash,
  logLeafHash,
  MerkleTree,
  signCheckpoint,
  ZERO32,
  type HashAlg,
} from '@evidence/core';
import { LevelStore } from '../adapters/level/level-store.js';
import { BatchLog } from '../log/batch-log.js';
import type { BatchRecord, PendingLeaf } from '../ports/store.js';
import { threadRoots } from '../adapters/batch-roots/root-threads.js';
import { ProofService } from '../proofs/proof-service.js';
import { Batcher } from './batcher.js';

const sm2 = generateSm2KeyPair();
const gatewayId = 'aa'.repeat(32);
let dir: string;
let store: LevelStore;
let log: BatchLog;
let closed: BatchRecord[];

async function openStore(alg: HashAlg = 'keccak256'): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'gw-batch-'));
  store = await LevelStore.open(dir);
  log = await BatchLog.open(store, alg);
}

beforeEach(async () => {
  await openStore();
  closed = [];
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
async function acknowledged(n: number, receivedAt = Date.now()): Promise<PendingLeaf[]> {
  const leaves: PendingLeaf[] = [];
  const records = [];
  for (let i = 0; i < n; i++) {
    const id = (++counter).toString(16).padStart(32, '0');
    const leaf = encodeLeaf({ v: 1, kind: 1 + (counter % 12), id, gateway: gatewayId, subject: 'bb'.repeat(32), ts: counter, commitment: 'cc'.repeat(32) });
    leaves.push({ id, leaf, receivedAt });
    records.push({ id, leaf, sealedPayload: null, keyRef: null, salt: null, client: 't', receivedAt });
  }
  await store.append(records, []);
  return leaves;
}

function batcher(o: { maxSize?: number; maxAgeMs?: number } = {}): Batcher {
  return new Batcher({ store, log, alg: 'keccak256', gatewayId, sm2, maxSize: o.maxSize ?? 4, maxAgeMs: o.maxAgeMs ?? 60_000, onClosed: (b) => void closed.push(b) });
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Batcher', () => {
  it('closes by size into signed RFC 9162 batches chained by seq and prev', async () => {
    const b = batcher({ maxSize: 4 });
    b.start(null, []);
    b.add(await acknowledged(10));
    await until(() => closed.length === 2);
    await b.stop();
    expect(closed.map((c) => c.header.size)).toEqual([4, 4]);
    expect(closed[0]!.header).toMatchObject({ seq: 0, prev: toHex(ZERO32), alg: 'keccak256', gateway: gatewayId, v: 1 });
    expect(closed[1]!.header.seq).toBe(1);
    expect(closed[1]!.header.prev).toBe(toHex(headerHash(closed[0]!.header)));
    for (const c of closed) {
      expect(verifyHeaderSignature(c.header, fromHex(c.signature), sm2.publicKey)).toBe(true);
      expect(c.headerHash).toBe(toHex(headerHash(c.header)));
    }
    expect(b.waiting).toBe(2);
    expect((await store.pending()).length).toBe(2);
  });

  it('closes by age a batch smaller than the size limit', async () => {
    const b = batcher({ maxSize: 1000, maxAgeMs: 50 });
    b.start(null, []);
    const t0 = Date.now();
    b.add(await acknowledged(3));
    await until(() => closed.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(closed[0]!.header.size).toBe(3);
    await b.stop();
  });

  it('resumes after a restart with pending leaves and the chain of headers', async () => {
    const first = batcher({ maxSize: 3 });
    first.start(null, []);
    first.add(await acknowledged(4));
    await until(() => closed.length === 1);
    await first.stop();
    // The process dies; a new one resumes from the store only.
    const second = batcher({ maxSize: 3, maxAgeMs: 20 });
    second.start(await store.head(), await store.pending());
    expect(second.waiting).toBe(1);
    await until(() => closed.length === 2);
    await second.stop();
    expect(closed[1]!.header).toMatchObject({ seq: 1, size: 1, prev: closed[0]!.headerHash });
    expect(await store.pending()).toEqual([]);
  });

  it('every leaf is provable from its batch (tree, locations and proofs agree)', async () => {
    const b = batcher({ maxSize: 7 });
    b.start(null, []);
    const leaves = await acknowledged(7);
    b.add(leaves);
    await until(() => closed.length === 1);
    await b.stop();
    const proofs = new ProofService({ store, log, openPayload: async () => ({ payload: null, salt: '' }), retryAfterSeconds: () => 1 });
    const batch = (await store.getBatch(0))!;
    // The batch is entry 0 of the log; a signed checkpoint of it lets ?pending=true bundles be served.
    expect(log.size).toBe(1);
    expect(await log.root()).toBe(toHex(logLeafHash(batch.header)));
    const checkpoint = { gateway: gatewayId, alg: 'keccak256' as const, size: 1, root: await log.root(), ts: Date.now() };
    await store.putCheckpoint({ checkpoint, signature: toHex(signCheckpoint(checkpoint, sm2.privateKey)), publicKey: sm2.publicKey, cosignatures: [], anchor: null, anchoredAt: null });
    await expect(proofs.bundle(leaves[0]!.id, false)).rejects.toMatchObject({ code: 'PROOF_PENDING' });
    for (const [i, l] of leaves.entries()) {
      expect(await store.location(l.id)).toEqual({ seq: 0, index: i });
      const bundle = await proofs.bundle(l.id, false, { pending: true });
      expect(bundle).toMatchObject({ format: 'evidence-proof/2', anchor: null, log: { checkpoint, inclusion: { index: 0, size: 1, path: [] } } });
      expect(verifyBundle(bundle)).toMatchObject({ valid: true });
      expect(verifyInclusion(keccak256, i, 7, leafHash('keccak256', l.leaf), bundle.inclusion.path.map((p) => fromHex(p)), fromHex(batch.header.root))).toBe(true);
    }
    // A tampered leaf does not verify against the signed root.
    const bundle = await proofs.bundle(leaves[0]!.id, false, { pending: true });
    expect(verifyBundle({ ...bundle, leaf: { ...bundle.leaf, ts: bundle.leaf.ts + 1 } })).toMatchObject({ valid: false, failedStep: 'inclusion' });
    // Once anchored, the same checkpoint is named without ?pending.
    await store.markCheckpointAnchored(1, null, Date.now());
    expect(await proofs.bundle(leaves[0]!.id, false)).toMatchObject({ format: 'evidence-proof/2', log: { checkpoint } });
  });

  it('computes roots on a root thread to the same signed headers, for keccak256 and SM3 trees', async () => {
    const pool = threadRoots(1);
    try {
      for (const alg of ['keccak256', 'sm3'] as const) {
        closed.length = 0;
        // One log, one algorithm: each algorithm gets its own data folder.
        await store.close();
        rmSync(dir, { recursive: true, force: true });
        await openStore(alg);
        const b = new Batcher({ store, log, alg, gatewayId, sm2, maxSize: 5, maxAgeMs: 20, rootOf: pool.rootOf, onClosed: (c) => void closed.push(c) });
        b.start(await store.head(), []);
        const leaves = await acknowledged(7);
        b.add(leaves);
        await until(() => closed.length === 2);
        await b.stop();
        expect(closed.map((c) => c.header.size)).toEqual([5, 2]);
        for (const [k, c] of closed.entries()) {
          const mine = leaves.slice(5 * k, 5 * k + c.header.size).map((l) => l.leaf);
          expect(c.header.root).toBe(toHex(MerkleTree.fromLeaves(alg, mine).root));
          expect(verifyHeaderSignature(c.header, fromHex(c.signature), sm2.publicKey)).toBe(true);
        }
      }
      // Without a thread the root is computed here.
      const leaves = (await acknowledged(3)).map((l) => l.leaf);
      const joined = new Uint8Array(leaves.length * leaves[0]!.length);
      leaves.forEach((l, i) => joined.set(l, i * l.length));
      expect(toHex(await threadRoots(0).rootOf('sm3', joined))).toBe(toHex(MerkleTree.fromLeaves('sm3', leaves).root));
    } finally {
      await pool.close();
    }
  });
});
