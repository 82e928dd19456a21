import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from './pool.js';

interface Ask {
  seq: number;
  value: number;
  delayMs?: number;
  die?: boolean;
}
interface Answer {
  seq: number;
  value: number;
}

const ECHO = { from: new URL('../../../test/workers/echo-worker.ts', import.meta.url).href, name: 'echo-worker' };
const pools: WorkerPool<Ask, Answer>[] = [];
const open = (size: number) => {
  const pool = new WorkerPool<Ask, Answer>(size, { entry: ECHO });
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('WorkerPool', () => {
  it('pairs each answer with its question, whatever order the answers come in', async () => {
    const pool = open(1);
    const worker = pool.leastBusy()!;
    const slow = pool.post(worker, 1, { seq: pool.nextSeq(), value: 1, delayMs: 60 });
    const fast = pool.post(worker, 1, { seq: pool.nextSeq(), value: 2 });
    expect((await fast).value).toBe(4);
    expect((await slow).value).toBe(2);
    expect(pool.posted).toBe(2);
  });

  it('counts outstanding weight per worker until it answers', async () => {
    const pool = open(2);
    expect(pool.idle).toBe(true);
    const first = pool.leastBusy()!;
    const busy = pool.post(first, 10, { seq: pool.nextSeq(), value: 1, delayMs: 50 });
    expect(pool.idle).toBe(false);
    expect(pool.leastBusy()).not.toBe(first);
    expect(pool.firstBelow(10)).not.toBe(first);
    expect(pool.firstBelow(11)).toBe(first);
    await busy;
    expect(pool.idle).toBe(true);
  });

  it('a worker that dies leaves the pool; what it held is answered by `lost`, or refused without one', async () => {
    const pool = open(2);
    const worker = pool.leastBusy()!;
    const held = pool.post(worker, 1, { seq: pool.nextSeq(), value: 5, delayMs: 1000 }, [], () => ({ seq: 0, value: -5 }));
    const refused = pool.post(worker, 1, { seq: pool.nextSeq(), value: 6, delayMs: 1000 });
    void pool.post(worker, 1, { seq: pool.nextSeq(), value: 0, die: true }).catch(() => undefined);
    expect((await held).value).toBe(-5);
    await expect(refused).rejects.toThrow(/exited/);
    expect(pool.size).toBe(1);
    const other = pool.leastBusy()!;
    expect((await pool.post(other, 1, { seq: pool.nextSeq(), value: 7 })).value).toBe(14);
  });

  it('an idle pool keeps no worker alive after close', async () => {
    const pool = open(2);
    await pool.close();
    expect(pool.size).toBe(0);
    expect(pool.leastBusy()).toBeUndefined();
  });
});
