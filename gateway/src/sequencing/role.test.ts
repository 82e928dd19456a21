import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema, scratchSchema } from '../../../test/ha/support/database.js';
import { PgLease } from '../adapters/postgres/pg-lease.js';
import { PgStore } from '../adapters/postgres/pg-store.js';
import { SequencerRole } from './role.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function lease(ttlMs: number): Promise<PgLease> {
  const schema = scratchSchema('role');
  const store = await PgStore.open(DATABASE_URL, { schema });
  cleanup.push(async () => {
    await store.close();
    await dropSchema(schema);
  });
  return new PgLease(store.connections, ttlMs);
}

function role(l: PgLease, holder: string, events: string[]): SequencerRole {
  const r = new SequencerRole({
    lease: l,
    holder,
    renewEveryMs: 50,
    pollEveryMs: 100,
    onElected: async (epoch) => void events.push(`${holder} elected ${epoch}`),
    onLost: (reason) => void events.push(`${holder} lost: ${reason}`),
    onFollowing: async () => undefined,
    logger: quiet,
  });
  cleanup.unshift(() => r.stop());
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SequencerRole', () => {
  it('elects one instance; a clean stop hands the lease to the other at its next poll', async () => {
    const l = await lease(400);
    const events: string[] = [];
    const a = role(l, 'a', events);
    a.start();
    await sleep(150);
    const b = role(l, 'b', events);
    b.start();
    await sleep(600);
    expect([a.isSequencer, b.isSequencer]).toEqual([true, false]);
    expect(events).toEqual(['a elected 1']);
    await a.stop();
    await sleep(250);
    expect(b.isSequencer).toBe(true);
    expect(b.epoch).toBe(2);
    expect(events).toEqual(['a elected 1', 'b elected 2']);
  });

  it('stops for good once another instance holds the lease under a newer epoch', async () => {
    const l = await lease(300);
    const events: string[] = [];
    const a = role(l, 'a', events);
    a.start();
    await sleep(150);
    expect(a.isSequencer).toBe(true);
    // Another holder took it (as after a pause past the lease): a's next renewal finds its epoch gone.
    await l.release(1);
    expect(await l.acquire('intruder')).toBe(2);
    await sleep(200);
    expect(a.role).toBe('lost');
    expect(events).toEqual(['a elected 1', 'a lost: another instance took the sequencer lease (epoch 1 ended)']);
  });
});
