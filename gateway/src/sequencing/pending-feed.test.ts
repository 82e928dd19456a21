import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { batch, record } from '../../../test/conformance/store.js';
import { LevelStore } from '../adapters/level/level-store.js';
import type { PendingLeaf } from '../ports/store.js';
import { PendingFeed } from './pending-feed.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function store(): Promise<LevelStore> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-feed-'));
  const s = await LevelStore.open(dir);
  cleanup.push(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PendingFeed', () => {
  it('hands each pending leaf to the batcher once, whether this instance or the shared queue offered it', async () => {
    const s = await store();
    const handed: PendingLeaf[] = [];
    const feed = new PendingFeed({ store: s, add: (leaves) => handed.push(...leaves), everyMs: 10 });
    await s.append([record(1)], []);
    feed.start(await s.pending());
    // Written by this instance: offered at once, and again by the reads of the queue, handed over once.
    await s.append([record(2)], []);
    feed.offer([{ id: record(2).id, leaf: record(2).leaf, receivedAt: record(2).receivedAt }]);
    // Written by another instance: only the reads find it.
    await s.append([record(3)], []);
    await sleep(60);
    feed.stop();
    expect(handed.map((l) => l.id)).toEqual([record(2).id, record(3).id]);
  });

  it('does not hand a batched leaf over again when a read that began before the close lists it', async () => {
    const s = await store();
    const handed: string[] = [];
    // A read of the queue that answers late: it began before the batch closed.
    let release: () => void = () => undefined;
    const slowStore = {
      pending: async () => {
        const before = await s.pending();
        await new Promise<void>((r) => (release = r));
        return before;
      },
    };
    const feed = new PendingFeed({ store: slowStore, add: (leaves) => handed.push(...leaves.map((l) => l.id)), everyMs: 1 });
    await s.append([record(4)], []);
    feed.start([]);
    await sleep(20);
    // The read started; meanwhile the leaf is offered, batched and closed.
    feed.offer([{ id: record(4).id, leaf: record(4).leaf, receivedAt: record(4).receivedAt }]);
    await s.closeBatch(batch(0, [record(4)]), [record(4).id], []);
    feed.batched([record(4).id]);
    release();
    await sleep(20);
    // The next reads (begun after the close) no longer list it; it is forgotten, never re-offered.
    for (let i = 0; i < 3; i++) {
      release();
      await sleep(10);
    }
    feed.stop();
    release();
    expect(handed).toEqual([record(4).id]);
  });
});
