import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeLeaf, sm4 } from '@evidence/core';
import { LevelStore } from '../adapters/level/level-store.js';
import type { EvidenceStore, KeyBlock, NewRecord } from '../ports/store.js';
import { KeyVault } from './key-vault.js';

let dir: string;
let store: LevelStore;
const masterKey = randomBytes(32);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-vault-'));
  store = await LevelStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The data key given to each test record, by number. */
const keys = new Map<number, Uint8Array>();

function item(i: number): { record: NewRecord; dataKey: Uint8Array } {
  const id = i.toString(16).padStart(32, '0');
  const leaf = encodeLeaf({ v: 1, kind: 5, id, gateway: 'aa'.repeat(32), subject: 'bb'.repeat(32), ts: i, commitment: 'cc'.repeat(32) });
  if (!keys.has(i)) keys.set(i, new Uint8Array(randomBytes(sm4.DATA_KEY_LENGTH)));
  return { record: { id, leaf, sealedPayload: new Uint8Array([1, i]), keyRef: null, salt: new Uint8Array(32), client: 'his', receivedAt: i }, dataKey: keys.get(i)! };
}

/** The real store, with each append held until the test lets it through. */
function gated(inner: LevelStore) {
  const appends: { records: NewRecord[]; blocks: KeyBlock[]; release: () => void; fail: (e: Error) => void }[] = [];
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'append') return Reflect.get(target, prop, receiver) as unknown;
      return (records: NewRecord[], blocks: KeyBlock[]) =>
        new Promise<void>((resolve, reject) => {
          appends.push({ records, blocks, release: () => void target.append(records, blocks).then(resolve, reject), fail: reject });
        });
    },
  });
  return { store: store as EvidenceStore, appends };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('KeyVault', () => {
  it('sends the records that arrive during a write in the next one, under one key block, before answering the first', async () => {
    const { store: slow, appends } = gated(store);
    const vault = new KeyVault(masterKey, slow);
    let writesIssuedWhenAnswered = 0;
    const a = vault.write([item(1)]).then(() => (writesIssuedWhenAnswered = appends.length));
    await turn();
    expect(appends).toHaveLength(1);
    // Two more requests, in two later turns, while the first write is on its way to disk.
    const b = vault.write([item(2)]);
    await turn();
    const c = vault.write([item(3), item(4)]);
    await turn();
    expect(appends).toHaveLength(1);

    appends[0]!.release();
    await a;
    expect(writesIssuedWhenAnswered).toBe(2);
    expect(appends[1]!.records.map((r) => r.id)).toEqual([2, 3, 4].map((i) => item(i).record.id));
    expect(appends[1]!.blocks).toHaveLength(1);
    expect(new Set(appends[1]!.records.map((r) => r.keyRef!.block))).toEqual(new Set([appends[1]!.blocks[0]!.id]));
    expect(appends[1]!.records.map((r) => r.keyRef!.index)).toEqual([0, 1, 2]);

    appends[1]!.release();
    await Promise.all([b, c]);
    for (const i of [1, 2, 3, 4]) {
      const stored = (await store.getRecord(item(i).record.id))!;
      expect(await vault.dataKey(stored.id, stored.keyRef)).toEqual(keys.get(i));
    }
  });

  it('refuses the callers of a failed write and goes on with the next', async () => {
    const { store: slow, appends } = gated(store);
    const vault = new KeyVault(masterKey, slow);
    const first = vault.write([item(1)]);
    await turn();
    const second = vault.write([item(2)]);
    await turn();
    appends[0]!.fail(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    expect(appends).toHaveLength(2);
    appends[1]!.release();
    await second;
    expect(await store.getRecord(item(1).record.id)).toBeNull();
    expect(await store.getRecord(item(2).record.id)).not.toBeNull();
  });
});
