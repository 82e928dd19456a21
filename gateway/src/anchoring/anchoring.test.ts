import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceError, fromHex, generateSm2KeyPair, headerHash, signCheckpoint, toHex, verifyCheckpointSignature, type Anchor, type Checkpoint } from '@evidence/core';
import { makeSignedBatch } from '../../../test/conformance/anchor.js';
import { inProcessEvm, type EvmFixture } from '../../../test/gateway/support/evm.js';
import { LevelStore } from '../adapters/level/level-store.js';
import { MemoryQueue } from '../adapters/memory-queue.js';
import type { CheckpointJob, CheckpointOutcome } from '../jobs.js';
import { BatchLog } from '../log/batch-log.js';
import { Checkpointer } from '../log/checkpointer.js';
import { UnrecoverableJobError } from '../ports/queue.js';
import type { BatchRecord } from '../ports/store.js';
import { AnchoringService } from './anchoring.js';
import { checkpointJobHandler } from './checkpoint-job.js';
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
  const code = `HCKPT${++n}`;
  const keys = generateSm2KeyPair();
  const id = await evm.register(code, keys.publicKey, account);
  return { code, id, ...keys };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A gateway's store and batch log holding `count` signed batches (salt varies the headers: a forked history). */
async function logOf(gw: { id: string; privateKey: string; publicKey: string }, count: number, salt = 2) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-ckpt-'));
  dirs.push(dir);
  const store = await LevelStore.open(dir);
  const log = await BatchLog.open(store, 'keccak256');
  let prev = '00'.repeat(32);
  for (let s = 0; s < count; s++) {
    const b = makeSignedBatch('keccak256', gw, s, prev, salt + s);
    const record: BatchRecord = {
      header: b.header,
      signature: toHex(b.signature),
      headerHash: toHex(headerHash(b.header)),
      publicKey: gw.publicKey,
      leaves: new Uint8Array(0),
      oldestReceivedAt: 0,
      anchored: false,
      anchor: null,
      anchoredAt: null,
    };
    const nodes = log.nodesFor(b.header);
    await store.closeBatch(record, [], nodes);
    log.appended(nodes);
    prev = record.headerHash;
  }
  return { store, log };
}

async function checkpointOf(gw: { id: string; privateKey: string; publicKey: string }, log: BatchLog, size: number): Promise<Checkpoint> {
  return { gateway: gw.id, alg: 'keccak256', size, root: await log.root(size), ts: Date.now() };
}

async function jobFor(gw: { id: string; privateKey: string; publicKey: string }, log: BatchLog, from: number, size: number): Promise<CheckpointJob> {
  const checkpoint = await checkpointOf(gw, log, size);
  return { gateway: gw.id, checkpoint, signature: toHex(signCheckpoint(checkpoint, gw.privateKey)), from, proof: from === 0 ? [] : await log.consistencyProof(from, size) };
}

function outcomes(queue: MemoryQueue): CheckpointOutcome[] {
  const done: CheckpointOutcome[] = [];
  queue.process<CheckpointOutcome>('checkpointed', async (o) => void done.push(o));
  return done;
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('checkpoint jobs against a real EVM chain', () => {
  it('anchor checkpoints with consistency proofs, and never anchor one twice', async () => {
    const gw = await registeredGateway(1);
    const anchor = evm.anchorFor(1);
    const { log, store } = await logOf(gw, 9);
    const queue = new MemoryQueue();
    const done = outcomes(queue);
    const handle = checkpointJobHandler({ anchor, queue });

    await handle(await jobFor(gw, log, 0, 3));
    await handle(await jobFor(gw, log, 3, 9));
    // A second run of an anchored checkpoint (a crash after the chain accepted it) sends nothing.
    const again = await jobFor(gw, log, 3, 9);
    await handle(again);
    await settle();
    expect(done.map((d) => [d.outcome, d.size])).toEqual([
      ['anchored', 3],
      ['anchored', 9],
      ['anchored', 9],
    ]);
    expect(done[1]).toMatchObject({ anchor: { chain: 'evm', contract: evm.address } });
    // The repeated run found it on chain and looked its receipt up: the same transaction.
    expect(done[2]).toMatchObject({ anchor: { txHash: (done[1] as { anchor: { txHash: string } }).anchor.txHash } });
    expect(await anchor.latestCheckpoint(gw.id)).toMatchObject({ size: 9, root: again.checkpoint.root });
    await queue.close();
    await store.close();
  });

  it('hand back a job whose proof starts from a checkpoint the chain no longer has as its latest', async () => {
    const gw = await registeredGateway(2);
    const anchor = evm.anchorFor(2);
    const { log, store } = await logOf(gw, 6);
    const queue = new MemoryQueue();
    const done = outcomes(queue);
    const handle = checkpointJobHandler({ anchor, queue });
    await handle(await jobFor(gw, log, 0, 2));
    await handle(await jobFor(gw, log, 2, 4));
    // A job built before size 4 was recorded: its proof is from 2, the chain is at 4.
    await handle(await jobFor(gw, log, 2, 6));
    await settle();
    expect(done.map((d) => [d.outcome, d.size])).toEqual([
      ['anchored', 2],
      ['anchored', 4],
      ['chain-moved', 6],
    ]);
    await queue.close();
    await store.close();
  });

  it('refuse for good a rewritten log (the chain checks consistency) and a stranger’s account', async () => {
    const gw = await registeredGateway(3);
    const { log, store } = await logOf(gw, 4);
    const queue = new MemoryQueue();
    outcomes(queue);
    await checkpointJobHandler({ anchor: evm.anchorFor(3), queue })(await jobFor(gw, log, 0, 2));
    // The same gateway with its batches rewritten after size 2 was anchored.
    const forked = await logOf(gw, 4, 40);
    const error = await checkpointJobHandler({ anchor: evm.anchorFor(3), queue })(await jobFor(gw, forked.log, 2, 4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableJobError);
    expect((error as Error).message).toMatch(/ANCHOR_INCONSISTENT/);
    const stranger = await checkpointJobHandler({ anchor: evm.anchorFor(4), queue })(await jobFor(gw, log, 2, 4)).catch((e: unknown) => e);
    expect(stranger).toBeInstanceOf(UnrecoverableJobError);
    expect((stranger as Error).message).toMatch(/ANCHOR_UNAUTHORIZED/);
    await queue.close();
    await store.close();
    await forked.store.close();
  });
});

describe('a checkpoint an anchor finds too old', () => {
  it('is handed back as expired, and the checkpointer signs it again with the current time', async () => {
    const gw = await registeredGateway(10);
    const { log, store } = await logOf(gw, 3);
    const chain = evm.anchorFor(10);
    // An anchor that checks ts against its clock, as the Fabric chaincode does (CHECKPOINT_BAD_TIME there).
    const strict: Anchor = {
      ...chain,
      anchorCheckpoint: (cp, proof, signature) =>
        Date.now() - cp.ts > 60_000
          ? Promise.reject(new EvidenceError('ANCHOR_CHECKPOINT_EXPIRED', `checkpoint ts ${cp.ts} is too far from the chain's clock`))
          : chain.anchorCheckpoint(cp, proof, signature),
    };
    const queue = new MemoryQueue();
    const done = outcomes(queue);
    const old = { ...(await jobFor(gw, log, 0, 3)) };
    old.checkpoint = { ...old.checkpoint, ts: Date.now() - 3_600_000 };
    await checkpointJobHandler({ anchor: strict, queue })(old);
    await settle();
    expect(done).toMatchObject([{ outcome: 'expired', size: 3 }]);
    expect(await chain.latestCheckpoint(gw.id)).toBeNull();

    const checkpointer = new Checkpointer({ store, log, gatewayId: gw.id, sm2: gw, minIntervalMs: 1000, onSigned: () => undefined });
    await checkpointer.start();
    const first = await checkpointer.latest();
    expect(first?.checkpoint.size).toBe(3);
    await new Promise((r) => setTimeout(r, 5));
    await checkpointer.renew();
    const renewed = await store.latestCheckpoint();
    expect(renewed?.checkpoint).toMatchObject({ size: 3, root: first!.checkpoint.root });
    expect(renewed!.checkpoint.ts).toBeGreaterThan(first!.checkpoint.ts);
    expect(verifyCheckpointSignature(renewed!.checkpoint, fromHex(renewed!.signature, 64), gw.publicKey)).toBe(true);
    // An anchored checkpoint is never replaced.
    await store.markCheckpointAnchored(3, null, Date.now());
    await checkpointer.renew();
    expect(await store.latestCheckpoint()).toMatchObject({ checkpoint: renewed!.checkpoint, anchoredAt: expect.any(Number) });
    await checkpointer.stop();
    await queue.close();
    await store.close();
  });
});

describe('restart after checkpoints were anchored but not recorded', () => {
  it('records every checkpoint the chain holds above the last recorded one, so bundles name the first that holds their batch', async () => {
    const gw = await registeredGateway(11);
    const { log, store } = await logOf(gw, 6);
    const chain = evm.anchorFor(11);
    let from = 0;
    for (const size of [2, 4, 6]) {
      const cp = await checkpointOf(gw, log, size);
      await chain.anchorCheckpoint(cp, from === 0 ? [] : (await log.consistencyProof(from, size)).map((h) => fromHex(h, 32)), signCheckpoint(cp, gw.privateKey));
      from = size;
    }
    const queue = new MemoryQueue();
    const anchored: number[] = [];
    const service = new AnchoringService({
      store,
      log,
      queue,
      anchor: chain,
      gatewayId: gw.id,
      sm2: gw,
      runAnchorJobs: true,
      minIntervalMs: 0,
      latestCheckpoint: () => store.latestCheckpoint(),
      renewCheckpoint: () => Promise.resolve(),
      onAnchored: async (record) => void anchored.push(record.checkpoint.size),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    service.start();
    for (let i = 0; service.status.state !== 'ready'; i++) {
      if (i > 200) throw new Error(`not ready: ${JSON.stringify(service.status)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await store.anchoredCheckpoints(0, 10)).map((c) => c.checkpoint.size)).toEqual([2, 4, 6]);
    expect(anchored).toEqual([2, 4, 6]);
    expect((await store.anchoredCheckpointCovering(2))?.checkpoint).toMatchObject({ size: 4, root: await log.root(4) });
    expect((await store.checkpointAt(4))?.anchor).toMatchObject({ chain: 'evm', contract: evm.address });
    service.stop();
    await queue.close();
    await store.close();
  });
});

describe('chain history check at start', () => {
  async function anchorUpTo(anchor: Anchor, gw: { id: string; privateKey: string; publicKey: string }, log: BatchLog, sizes: number[]) {
    let from = 0;
    for (const size of sizes) {
      await anchor.anchorCheckpoint(await checkpointOf(gw, log, size), from === 0 ? [] : (await log.consistencyProof(from, size)).map((h) => Buffer.from(h, 'hex')));
      from = size;
    }
  }

  async function recordAnchored(store: LevelStore, gw: { id: string; privateKey: string; publicKey: string }, log: BatchLog, size: number) {
    const checkpoint = await checkpointOf(gw, log, size);
    await store.putCheckpoint({ checkpoint, signature: toHex(signCheckpoint(checkpoint, gw.privateKey)), publicKey: gw.publicKey, cosignatures: [], anchor: null, anchoredAt: null });
    await store.markCheckpointAnchored(size, null, 1);
  }

  it('passes when the chain holds what the gateway anchored, plus a checkpoint anchored before a crash', async () => {
    const gw = await registeredGateway(5);
    const { log, store } = await logOf(gw, 5);
    await anchorUpTo(evm.anchorFor(5), gw, log, [2, 4]);
    await recordAnchored(store, gw, log, 2);
    const r = await checkChainHistory(evm.anchorFor(5), store, log, gw.id, gw.publicKey);
    expect(r).toMatchObject({ ok: true, chainCheckpoint: { size: 4, root: await log.root(4) } });
    await store.close();
  });

  it('refuses a chain that lost checkpoints the gateway anchored (a reset chain or a wrong contract)', async () => {
    const gw = await registeredGateway(6);
    const { log, store } = await logOf(gw, 3);
    await recordAnchored(store, gw, log, 2);
    const r = await checkChainHistory(evm.anchorFor(6), store, log, gw.id, gw.publicKey);
    expect(r).toMatchObject({ ok: false, problem: 'CHAIN_LOST_HISTORY' });
    expect(r.message).toMatch(/reset|wrong/);
    await store.close();
  });

  it('refuses a chain that holds more of this gateway than its data (wrong data folder)', async () => {
    const gw = await registeredGateway(7);
    const full = await logOf(gw, 4);
    await anchorUpTo(evm.anchorFor(7), gw, full.log, [4]);
    const { log, store } = await logOf(gw, 2);
    expect(await checkChainHistory(evm.anchorFor(7), store, log, gw.id, gw.publicKey)).toMatchObject({ ok: false, problem: 'CHAIN_AHEAD' });
    await store.close();
    await full.store.close();
  });

  it('refuses a chain whose checkpoint is not this log (a rewritten batch)', async () => {
    const gw = await registeredGateway(8);
    const theirs = await logOf(gw, 3, 70);
    await anchorUpTo(evm.anchorFor(8), gw, theirs.log, [3]);
    const { log, store } = await logOf(gw, 3);
    expect(await checkChainHistory(evm.anchorFor(8), store, log, gw.id, gw.publicKey)).toMatchObject({ ok: false, problem: 'CHAIN_FORK' });
    await store.close();
    await theirs.store.close();
  });

  it('names an unregistered gateway and a key that is not the registered one', async () => {
    const stranger = generateSm2KeyPair();
    const gw = await registeredGateway(9);
    const { log, store } = await logOf(gw, 1);
    expect(await checkChainHistory(evm.anchorFor(9), store, log, 'ef'.repeat(32), stranger.publicKey)).toMatchObject({ ok: false, problem: 'GATEWAY_NOT_REGISTERED' });
    expect(await checkChainHistory(evm.anchorFor(9), store, log, gw.id, stranger.publicKey)).toMatchObject({ ok: false, problem: 'KEY_MISMATCH' });
    await store.close();
  });
});
