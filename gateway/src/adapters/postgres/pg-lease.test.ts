import { afterEach, describe, expect, it } from 'vitest';
import { batch, record } from '../../../../test/conformance/store.js';
import { DATABASE_URL, dropSchema, scratchSchema } from '../../../../test/ha/support/database.js';
import { NotSequencer } from './errors.js';
import { PgLease } from './pg-lease.js';
import { PgStore } from './pg-store.js';

const schemas: string[] = [];
const stores: PgStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const s of schemas.splice(0)) await dropSchema(s);
});

async function twoInstances(): Promise<[PgStore, PgStore]> {
  const schema = scratchSchema('lease');
  schemas.push(schema);
  // Started together: the migrations run once, under the advisory lock.
  const pair = await Promise.all([PgStore.open(DATABASE_URL, { schema, fenced: true }), PgStore.open(DATABASE_URL, { schema, fenced: true })]);
  stores.push(...pair);
  return pair;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sequencer lease on PostgreSQL', () => {
  it('grants one holder at a time, with a larger epoch at each grant; renewal keeps it', async () => {
    const [a, b] = await twoInstances();
    const [la, lb] = [new PgLease(a.connections, 400), new PgLease(b.connections, 400)];
    const first = await la.acquire('a');
    expect(first).toBe(1);
    expect(await lb.acquire('b')).toBeNull();
    await sleep(250);
    expect(await la.renew(first!)).toBe(true);
    await sleep(250);
    expect(await lb.acquire('b')).toBeNull();
    expect(await la.current()).toMatchObject({ epoch: 1, holder: 'a' });
    await la.release(first!);
    expect(await lb.acquire('b')).toBe(2);
    expect(await la.renew(first!)).toBe(false);
  });

  it('fences: a holder paused past its lease closes no batch, signs and anchors no checkpoint once another took over', async () => {
    const [a, b] = await twoInstances();
    const [la, lb] = [new PgLease(a.connections, 300), new PgLease(b.connections, 300)];
    a.fence(await la.acquire('a'));
    await a.append([record(1), record(2)], []);
    await a.closeBatch(batch(0, [record(1)]), [record(1).id], []);
    await a.putCheckpoint({ checkpoint: { gateway: 'aa'.repeat(32), alg: 'keccak256', size: 1, root: 'ab'.repeat(32), ts: 1 }, signature: 'cd'.repeat(64), publicKey: '04', cosignatures: [], anchor: null, anchoredAt: null });
    // Not yet the sequencer: refused before any SQL.
    await expect(b.closeBatch(batch(1, [record(2)]), [record(2).id], [])).rejects.toBeInstanceOf(NotSequencer);

    await sleep(400);
    // Expired and not renewed: even before anyone takes over, the old epoch's writes are refused.
    await expect(a.closeBatch(batch(1, [record(2)]), [record(2).id], [])).rejects.toBeInstanceOf(NotSequencer);
    b.fence(await lb.acquire('b'));
    expect(await la.renew(1)).toBe(false);
    await expect(a.closeBatch(batch(1, [record(2)]), [record(2).id], [])).rejects.toBeInstanceOf(NotSequencer);
    await expect(a.markCheckpointAnchored(1, null, 5)).rejects.toBeInstanceOf(NotSequencer);
    await expect(a.backfillLog([], 1)).rejects.toBeInstanceOf(NotSequencer);
    expect(await b.getBatch(1)).toBeNull();
    expect(await b.lastAnchoredCheckpoint()).toBeNull();
    expect((await b.pending()).map((p) => p.id)).toEqual([record(2).id]);
    // The new holder closes it, once: a second close of the same leaves is refused whole.
    await b.closeBatch(batch(1, [record(2)]), [record(2).id], []);
    await expect(b.closeBatch(batch(2, [record(2)]), [record(2).id], [])).rejects.toThrow(/pending/);
    expect(await b.head()).toMatchObject({ seq: 1 });
  });

  it('renews after an outage when nobody took the lease meanwhile', async () => {
    const [a] = await twoInstances();
    const la = new PgLease(a.connections, 200);
    const epoch = await la.acquire('a');
    await sleep(300);
    expect(await la.renew(epoch!)).toBe(true);
    a.fence(epoch);
    await a.append([record(3)], []);
    await a.closeBatch(batch(0, [record(3)]), [record(3).id], []);
    expect(await a.head()).toMatchObject({ seq: 0 });
  });
});
