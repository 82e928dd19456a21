import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair, headerHash, toHex, type Anchor } from '@evidence/core';
import { makeSignedBatch, type SignedBatch } from '../../../test/conformance/anchor.js';
import { inProcessEvm, type EvmFixture } from '../../../test/gateway/support/evm.js';
import { LevelStore } from '../adapters/level/level-store.js';
import { MemoryQueue } from '../adapters/memory-queue.js';
import type { AnchoredJob, AnchorJob } from '../jobs.js';
import { RetryLaterError, UnrecoverableJobError } from '../ports/queue.js';
import type { BatchRecord } from '../ports/store.js';
import { anchorJobHandler } from './anchor-job.js';
import { checkChainHistory } from './history.js';

let evm: EvmFixture;
beforeAll(async () => {
  evm = await inProcessEvm();
}, 120_000);
afterAll(async () => {
  await evm?.close();
});

let n = 0;
async function registeredGateway(account: number) {
  const code = `HTEST${++n}`;
  const keys = generateSm2KeyPair();
  const id = await evm.register(code, keys.publicKey, account);
  return { code, id, ...keys };
}

function chainOf(gw: { id: string; privateKey: string; publicKey: string }, count: number): SignedBatch[] {
  const out: SignedBatch[] = [];
  let prev = '00'.repeat(32);
  for (let s = 0; s < count; s++) {
    const b = makeSignedBatch('keccak256', gw, s, prev, 2);
    out.push(b);
    prev = toHex(headerHash(b.header));
  }
  return out;
}

const job = (b: SignedBatch): AnchorJob => ({
  gateway: b.header.gateway,
  seq: b.header.seq,
  header: b.header,
  signature: toHex(b.signature),
  headerHash: toHex(headerHash(b.header)),
});

describe('anchor jobs against a real EVM chain', () => {
  it('anchor in seq order, wait for a missing predecessor, and never anchor twice', async () => {
    const gw = await registeredGateway(1);
    const anchor = evm.anchorFor(1);
    const queue = new MemoryQueue();
    const done: AnchoredJob[] = [];
    queue.process<AnchoredJob>('anchored', async (j) => void done.push(j));
    const handle = anchorJobHandler({ anchor, queue });
    const batches = chainOf(gw, 3);

    await expect(handle(job(batches[1]!))).rejects.toBeInstanceOf(RetryLaterError);
    expect(await anchor.latest(gw.id)).toBeNull();
    await handle(job(batches[0]!));
    await handle(job(batches[1]!));
    // A second run of an anchored batch (a crash after the chain accepted it) is a no-op.
    await handle(job(batches[1]!));
    await handle(job(batches[2]!));
    expect(await anchor.latest(gw.id)).toEqual({ seq: 2, headerHash: toHex(headerHash(batches[2]!.header)) });
    await new Promise((r) => setTimeout(r, 20));
    expect(done.map((d) => [d.seq, d.anchor === null])).toEqual([
      [0, false],
      [1, false],
      [1, true],
      [2, false],
    ]);
    expect(done[0]!.anchor).toMatchObject({ chain: 'evm', contract: evm.address });
    await queue.close();
  });

  it('refuse for good a different batch under an anchored seq (a fork)', async () => {
    const gw = await registeredGateway(2);
    const anchor = evm.anchorFor(2);
    const queue = new MemoryQueue();
    const handle = anchorJobHandler({ anchor, queue });
    const [b0] = chainOf(gw, 1);
    await handle(job(b0!));
    const forged = makeSignedBatch('keccak256', gw, 0, '00'.repeat(32), 5);
    await expect(handle(job(forged))).rejects.toBeInstanceOf(UnrecoverableJobError);
    await queue.close();
  });

  it('refuse for good a batch from an account that is not the gateway’s', async () => {
    const gw = await registeredGateway(3);
    const queue = new MemoryQueue();
    const handle = anchorJobHandler({ anchor: evm.anchorFor(4), queue });
    const error = await handle(job(chainOf(gw, 1)[0]!)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableJobError);
    expect((error as Error).message).toMatch(/ANCHOR_UNAUTHORIZED/);
    await queue.close();
  });
});

describe('chain history check at start', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function storeWith(batches: SignedBatch[], anchored: number): Promise<LevelStore> {
    const dir = mkdtempSync(join(tmpdir(), 'gw-hist-'));
    dirs.push(dir);
    const store = await LevelStore.open(dir);
    for (const b of batches) {
      const record: BatchRecord = {
        header: b.header,
        signature: toHex(b.signature),
        headerHash: toHex(headerHash(b.header)),
        publicKey: '',
        leaves: new Uint8Array(0),
        oldestReceivedAt: 0,
        anchored: false,
        anchor: null,
        anchoredAt: null,
      };
      await store.closeBatch(record, []);
      if (b.header.seq <= anchored) await store.markAnchored(b.header.seq, null, 1);
    }
    return store;
  }

  async function anchorAll(anchor: Anchor, batches: SignedBatch[]) {
    for (const b of batches) await anchor.anchor(b.header, b.signature);
  }

  it('passes when the chain holds what the gateway anchored, plus batches anchored before a crash', async () => {
    const gw = await registeredGateway(5);
    const batches = chainOf(gw, 3);
    await anchorAll(evm.anchorFor(5), batches.slice(0, 2));
    const store = await storeWith(batches, 0);
    expect(await checkChainHistory(evm.anchorFor(5), store, gw.id, gw.publicKey)).toMatchObject({ ok: true, chainSeq: 1 });
    await store.close();
  });

  it('refuses a chain that lost batches the gateway anchored (a reset chain or a wrong contract)', async () => {
    const gw = await registeredGateway(6);
    const store = await storeWith(chainOf(gw, 2), 1);
    const r = await checkChainHistory(evm.anchorFor(6), store, gw.id, gw.publicKey);
    expect(r).toMatchObject({ ok: false, problem: 'CHAIN_LOST_HISTORY' });
    expect(r.message).toMatch(/reset|wrong/);
    await store.close();
  });

  it('refuses a chain that holds more of this gateway than its data (wrong data folder)', async () => {
    const gw = await registeredGateway(7);
    const batches = chainOf(gw, 2);
    await anchorAll(evm.anchorFor(7), batches);
    const store = await storeWith(batches.slice(0, 1), -1);
    expect(await checkChainHistory(evm.anchorFor(7), store, gw.id, gw.publicKey)).toMatchObject({ ok: false, problem: 'CHAIN_AHEAD' });
    await store.close();
  });

  it('refuses a chain whose batch differs from the local one', async () => {
    const gw = await registeredGateway(8);
    await anchorAll(evm.anchorFor(8), [makeSignedBatch('keccak256', gw, 0, '00'.repeat(32), 7)]);
    const store = await storeWith(chainOf(gw, 1), -1);
    expect(await checkChainHistory(evm.anchorFor(8), store, gw.id, gw.publicKey)).toMatchObject({ ok: false, problem: 'CHAIN_FORK' });
    await store.close();
  });

  it('names an unregistered gateway and a key that is not the registered one', async () => {
    const stranger = generateSm2KeyPair();
    const store = await storeWith([], -1);
    expect(await checkChainHistory(evm.anchorFor(9), store, 'ef'.repeat(32), stranger.publicKey)).toMatchObject({ ok: false, problem: 'GATEWAY_NOT_REGISTERED' });
    const gw = await registeredGateway(9);
    expect(await checkChainHistory(evm.anchorFor(9), store, gw.id, stranger.publicKey)).toMatchObject({ ok: false, problem: 'KEY_MISMATCH' });
    await store.close();
  });
});
