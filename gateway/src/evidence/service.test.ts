import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeCommitment, decodeLeaf, entityId, fromHex, sm4, subjectPseudonym, toHex } from '@evidence/core';
import { LevelStore } from '../adapters/level/level-store.js';
import { isGatewayError } from '../errors.js';
import type { EvidenceRecord, PendingLeaf } from '../ports/store.js';
import { KeyVault } from './key-vault.js';
import { EXAMPLE_PAYLOADS } from './kinds/examples.js';
import { ThreadIntake } from '../adapters/intake-threads/thread-intake.js';
import { EvidenceService, type RecordInput } from './service.js';

let dir: string;
let store: LevelStore;
let durable: PendingLeaf[];
let service: EvidenceService;
const subjectKey = randomBytes(32);
const masterKey = randomBytes(32);
const gatewayId = toHex(entityId('H330100001'));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-svc-'));
  store = await LevelStore.open(dir);
  durable = [];
  service = new EvidenceService({ store, gatewayId, subjectKey, masterKey, onDurable: (l) => durable.push(...l) });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const input = (over: Partial<RecordInput> = {}): RecordInput => ({
  kind: 'prescription',
  subject: { idNumber: '11010519491231002x' },
  payload: EXAMPLE_PAYLOADS.prescription,
  ...over,
});

const keyOf = (r: EvidenceRecord): Promise<Uint8Array> => new KeyVault(masterKey, store).dataKey(r.id, r.keyRef);

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isGatewayError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

/** A service with intake worker threads, closed afterwards whatever the test does. */
async function withPool({ size, spillAt }: { size: number; spillAt?: number }, run: (pooled: EvidenceService, pool: ThreadIntake) => Promise<void>): Promise<void> {
  const pool = new ThreadIntake({ gatewayId, subjectKey }, size, spillAt === undefined ? {} : { spillAt });
  try {
    await run(new EvidenceService({ store, gatewayId, subjectKey, masterKey, onDurable: (l) => durable.push(...l), intake: pool }), pool);
  } finally {
    await pool.close();
  }
}

describe('EvidenceService', () => {
  it('builds the spec leaf: pseudonymous subject, SM3 commitment of salt || JCS(payload), UUIDv7 id', async () => {
    const r = await service.record(input({ occurredAt: 1234 }), 'his');
    expect(r.status).toBe('pending');
    expect(r.leaf).toMatchObject({ v: 1, kind: 5, gateway: gatewayId, ts: 1234, id: r.id });
    expect(r.leaf.subject).toBe(toHex(subjectPseudonym(subjectKey, '11010519491231002X')));
    const stored = (await store.getRecord(r.id))!;
    expect(decodeLeaf(stored.leaf)).toEqual(r.leaf);
    expect(toHex(computeCommitment(EXAMPLE_PAYLOADS.prescription, stored.salt!))).toBe(r.leaf.commitment);
    expect(fromHex(r.id)[6]! >> 4).toBe(7);
    expect(durable.map((d) => d.id)).toEqual([r.id]);
  });

  it('stores the payload only SM4-encrypted, under a per-record key, and serves it only if it matches the commitment', async () => {
    const r = await service.record(input(), 'his');
    const stored = (await store.getRecord(r.id))!;
    const plain = Buffer.from(JSON.stringify(EXAMPLE_PAYLOADS.prescription));
    expect(Buffer.from(stored.sealedPayload!).includes(plain.subarray(0, 16))).toBe(false);
    expect(await service.openPayload(stored)).toEqual({ payload: EXAMPLE_PAYLOADS.prescription, salt: toHex(stored.salt!) });
    // The key itself is not stored in the clear: only inside a key block sealed under the master key.
    const block = (await store.getKeyBlock(stored.keyRef!.block))!;
    expect(block.sealed.length).toBeGreaterThan(32);
    // The ciphertext of one record does not open as another's, even with the other's key slot.
    const other = (await store.getRecord((await service.record(input(), 'his')).id))!;
    expect((await refusal(service.openPayload({ ...other, sealedPayload: stored.sealedPayload }))).code).toBe('PAYLOAD_CORRUPT');
    expect((await refusal(service.openPayload({ ...stored, keyRef: other.keyRef }))).code).toBe('PAYLOAD_CORRUPT');
    // Flipping one ciphertext bit, or one salt bit, is detected.
    const tampered = stored.sealedPayload!.slice();
    tampered[20]! ^= 1;
    expect((await refusal(service.openPayload({ ...stored, sealedPayload: tampered }))).code).toBe('PAYLOAD_CORRUPT');
    const salt = stored.salt!.slice();
    salt[0]! ^= 1;
    expect((await refusal(service.openPayload({ ...stored, salt }))).code).toBe('PAYLOAD_CORRUPT');
    // So is a tampered key block.
    const badBlock = block.sealed.slice();
    badBlock[30]! ^= 1;
    await store.append([], [{ id: block.id, sealed: badBlock }]);
    await expect(service.openPayload(stored)).rejects.toThrow(/authentication/);
  });

  it('still opens records written with the earlier authenticated envelope (bound to the record id)', async () => {
    const r = await service.record(input(), 'his');
    const stored = (await store.getRecord(r.id))!;
    const plain = sm4.decryptPayload(stored.sealedPayload!, await keyOf(stored));
    const legacy = sm4.seal(plain, await keyOf(stored), fromHex(r.id, 16));
    expect(legacy[0]).toBe(1);
    expect((await service.openPayload({ ...stored, sealedPayload: legacy })).payload).toEqual(EXAMPLE_PAYLOADS.prescription);
    const moved = (await store.getRecord((await service.record(input(), 'his')).id))!;
    await expect(service.openPayload({ ...moved, keyRef: stored.keyRef, sealedPayload: legacy })).rejects.toThrow(/authentication/);
  });

  it('accepts a pseudonym as subject and names a malformed one', async () => {
    const r = await service.record(input({ subject: { pseudonym: 'ab'.repeat(32) } }), 'his');
    expect(r.leaf.subject).toBe('ab'.repeat(32));
    await expect(service.record(input({ subject: { pseudonym: 'AB'.repeat(32) } }), 'his')).rejects.toMatchObject({ code: 'EVIDENCE_BAD_HEX' });
  });

  it('erases a payload for good while the leaf and the other keys of its block stay', async () => {
    const [a, b] = await service.recordMany([input(), input({ occurredAt: 9 })], 'his');
    const before = (await store.getRecord(a!.id))!;
    expect((await store.getRecord(b!.id))!.keyRef!.block).toBe(before.keyRef!.block);
    await service.erase(a!.id);
    const stored = (await store.getRecord(a!.id))!;
    expect(decodeLeaf(stored.leaf)).toEqual(a!.leaf);
    expect(stored).toMatchObject({ sealedPayload: null, salt: null, keyRef: null });
    expect((await refusal(service.openPayload(stored))).code).toBe('PAYLOAD_ERASED');
    // Even the old ciphertext and key reference no longer open: the key slot is zeroed.
    expect((await refusal(service.openPayload({ ...before }))).code).toBe('PAYLOAD_ERASED');
    expect((await service.openPayload((await store.getRecord(b!.id))!)).payload).toEqual(EXAMPLE_PAYLOADS.prescription);
    await service.erase(a!.id); // erasing twice is harmless
    expect((await refusal(service.erase('00'.repeat(16)))).code).toBe('EVIDENCE_NOT_FOUND');
  });

  it('seals the keys of concurrently written records in shared blocks, one seal per write', async () => {
    const out = await Promise.all(Array.from({ length: 30 }, (_, i) => service.record(input({ occurredAt: i }), 'his')));
    const blocks = new Set<string>();
    for (const r of out) blocks.add((await store.getRecord(r.id))!.keyRef!.block);
    expect(blocks.size).toBeLessThan(30);
  });

  it('refuses unknown kinds and bad payloads, storing nothing', async () => {
    expect((await refusal(service.record(input({ kind: 'x-ray' }), 'his', 'body/'))).message).toContain('body/kind');
    expect((await refusal(service.record(input({ payload: { state: 'issued' } }), 'his', 'body/'))).message).toContain('body/payload');
    expect(await store.pending()).toEqual([]);
  });

  it('records a bulk request with one write, or nothing when one item is bad, naming it', async () => {
    const items = Array.from({ length: 50 }, (_, i) => input({ occurredAt: i }));
    const before = store.stats.writes;
    const out = await service.recordMany(items, 'his');
    expect(out).toHaveLength(50);
    expect(new Set(out.map((o) => o.id)).size).toBe(50);
    expect(store.stats.writes - before).toBe(1);
    const bad = [...items, input({ payload: {} })];
    const r = await refusal(service.recordMany(bad, 'his', { prefix: 'body/items/', indexed: true }));
    expect(r).toMatchObject({ code: 'PAYLOAD_INVALID' });
    expect(r.message).toContain('body/items/50/payload');
    expect(await store.pending()).toHaveLength(50);
  });

  describe('idempotency keys', () => {
    it('returns the first record for a retry with the same content, also after a restart', async () => {
      const first = await service.record(input({ idempotencyKey: 'rx-1' }), 'his');
      const again = await service.record(input({ idempotencyKey: 'rx-1' }), 'his');
      expect(again).toEqual({ ...first, duplicate: true });
      await store.close();
      store = await LevelStore.open(dir);
      service = new EvidenceService({ store, gatewayId, subjectKey, masterKey, onDurable: () => undefined });
      expect((await service.record(input({ idempotencyKey: 'rx-1' }), 'his')).id).toBe(first.id);
      expect((await store.pending()).length).toBe(1);
    });

    it('refuses the same key with other content (409), and scopes keys per client', async () => {
      await service.record(input({ idempotencyKey: 'rx-2' }), 'his');
      expect((await refusal(service.record(input({ idempotencyKey: 'rx-2', occurredAt: 5 }), 'his'))).code).toBe('IDEMPOTENCY_CONFLICT');
      const otherClient = await service.record(input({ idempotencyKey: 'rx-2', occurredAt: 5 }), 'pharmacy');
      expect(otherClient.duplicate).toBe(false);
    });

    it('records once when concurrent requests race with the same key', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => service.record(input({ idempotencyKey: 'race' }), 'his')));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(durable).toHaveLength(1);
    });

    it('treats repeats inside one bulk request as one event', async () => {
      const out = await service.recordMany([input({ idempotencyKey: 'b' }), input({ idempotencyKey: 'b' }), input()], 'his');
      expect(out[0]!.id).toBe(out[1]!.id);
      expect(out[1]!.duplicate).toBe(true);
      expect(durable).toHaveLength(2);
      const r = await refusal(service.recordMany([input({ idempotencyKey: 'c' }), input({ idempotencyKey: 'c', occurredAt: 1 })], 'his'));
      expect(r.code).toBe('IDEMPOTENCY_CONFLICT');
    });
  });

  describe('with intake worker threads', () => {
    it('splits large requests across threads, in order, naming the first bad item wherever it was prepared', async () => {
      await withPool({ size: 2 }, async (pooled) => {
        const items = Array.from({ length: 300 }, (_, i) => input({ occurredAt: i, subject: { idNumber: `id-${i}` } }));
        const out = await pooled.recordMany(items, 'his');
        expect(out.map((o) => o.leaf.ts)).toEqual(items.map((_, i) => i));
        expect(out[250]!.leaf.subject).toBe(toHex(subjectPseudonym(subjectKey, 'ID-250')));
        const stored = (await store.getRecord(out[299]!.id))!;
        expect((await pooled.openPayload(stored)).payload).toEqual(EXAMPLE_PAYLOADS.prescription);
        expect(toHex(computeCommitment(EXAMPLE_PAYLOADS.prescription, stored.salt!))).toBe(out[299]!.leaf.commitment);
        const bad = items.map((x, i) => (i === 250 || i === 280 ? input({ kind: 'x-ray' }) : x));
        const r = await refusal(pooled.recordMany(bad, 'his', { prefix: 'body/items/', indexed: true }));
        expect(r.message).toContain('body/items/250/kind');
        expect((await store.pending()).length).toBe(300);
      });
    });

    it('hands concurrent small requests to a worker together, each failing or succeeding on its own', async () => {
      await withPool({ size: 1, spillAt: 0 }, async (pooled) => {
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => pooled.record(i === 17 ? input({ payload: {} }) : input({ occurredAt: i }), 'his', 'body/')),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(39);
        const failed = results[17] as PromiseRejectedResult;
        expect(failed.reason).toMatchObject({ code: 'PAYLOAD_INVALID' });
        expect((failed.reason as Error).message).toContain('body/payload');
        const ok = (results[3] as PromiseFulfilledResult<{ id: string; leaf: { ts: number } }>).value;
        expect(ok.leaf.ts).toBe(3);
        expect((await pooled.openPayload((await store.getRecord(ok.id))!)).payload).toEqual(EXAMPLE_PAYLOADS.prescription);
      });
    });

    it('takes single-event bodies arriving together (text, or bytes viewing a shared buffer) to a worker in one message, each answered on its own', async () => {
      await withPool({ size: 1, spillAt: 0 }, async (pooled, pool) => {
        const event = { kind: 'event' } as const;
        const shared = Buffer.alloc(64 * 1024);
        let at = 0;
        const bytes = (text: string) => {
          const n = shared.write(text, at, 'utf8');
          return shared.subarray((at += n) - n, at);
        };
        const bodies = Array.from({ length: 30 }, (_, i) => {
          if (i === 11) return bytes('{"kind":"prescription"'); // cut short
          const text = JSON.stringify(input({ occurredAt: i, subject: { idNumber: `id-${i}` } }));
          return i % 2 === 0 ? text : bytes(text);
        });
        const results = await Promise.allSettled(bodies.map((b, i) => pooled.recordBody(b, event, i % 3 === 0 ? 'lis' : 'his')));
        expect((results[11] as PromiseRejectedResult).reason).toMatchObject({ code: 'BAD_JSON' });
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(29);
        const ok = results.map((r) => (r.status === 'fulfilled' ? r.value[0]! : null));
        expect(ok.map((r) => r?.leaf.ts ?? null)).toEqual(bodies.map((_, i) => (i === 11 ? null : i)));
        const stored = (await store.getRecord(ok[21]!.id))!;
        expect(stored.client).toBe('lis');
        expect(ok[21]!.leaf.subject).toBe(toHex(subjectPseudonym(subjectKey, 'ID-21')));
        expect((await pooled.openPayload(stored)).payload).toEqual(EXAMPLE_PAYLOADS.prescription);
        expect(shared.buffer.byteLength).toBeGreaterThan(0); // copied from, never moved
        expect(pool.posted).toBe(1); // all 30 in one message

        // Single events and in-process runs in the same turn: two messages, each answered in place.
        const mixed = await Promise.all([
          pooled.recordBody(JSON.stringify(input({ occurredAt: 100 })), event, 'his'),
          pooled.record(input({ occurredAt: 101 }), 'remote-call', 'hop/'),
          ...Array.from({ length: 8 }, (_, i) => pooled.recordBody(JSON.stringify(input({ occurredAt: 102 + i })), event, 'his')),
        ]);
        expect(mixed.map((m) => ('leaf' in m ? m : m[0]!).leaf.ts)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
        expect((await store.getRecord((mixed[1] as { id: string }).id))!.client).toBe('remote-call');
        expect(pool.posted).toBe(3);
      });
    });

    it('prepares small requests on the main thread while it has time to spare, and bulk feeds still in the workers', async () => {
      await withPool({ size: 1 }, async (pooled, pool) => {
        const bodies = Array.from({ length: 30 }, (_, i) => JSON.stringify(input({ occurredAt: i })));
        const out = await Promise.all(bodies.map((b) => pooled.recordBody(b, { kind: 'event' }, 'his')));
        expect(out.map((o) => o[0]!.leaf.ts)).toEqual(bodies.map((_, i) => i));
        expect(pool.posted).toBe(0);
        const bulk = JSON.stringify({ items: [input({ occurredAt: 1 }), input({ occurredAt: 2 })] });
        expect((await pooled.recordBody(new Uint8Array(Buffer.from(bulk)), { kind: 'bulk', maxItems: 10 }, 'his')).length).toBe(2);
        expect(pool.posted).toBe(1);
      });
    });

    it('takes a bulk body as bytes: moved to the worker when they own their buffer, copied when they view a shared one', async () => {
      await withPool({ size: 1 }, async (pooled) => {
        const bulk = { kind: 'bulk', maxItems: 100 } as const;
        const text = JSON.stringify({ items: [input({ occurredAt: 1 }), input({ occurredAt: 2 })] });
        const owned = new Uint8Array(Buffer.from(text, 'utf8'));
        const out = await pooled.recordBody(owned, bulk, 'his');
        expect(out.map((o) => o.leaf.ts)).toEqual([1, 2]);
        expect(owned.buffer.byteLength).toBe(0); // moved, not copied
        expect((await pooled.openPayload((await store.getRecord(out[1]!.id))!)).payload).toEqual(EXAMPLE_PAYLOADS.prescription);

        const bytes = Buffer.from(text, 'utf8');
        const shared = new ArrayBuffer(bytes.length + 8);
        const view = new Uint8Array(shared, 4, bytes.length);
        view.set(bytes);
        expect((await pooled.recordBody(view, bulk, 'his')).map((o) => o.leaf.ts)).toEqual([1, 2]);
        expect(shared.byteLength).toBe(bytes.length + 8); // the rest of the buffer stays usable here

        const bad = await refusal(pooled.recordBody(new Uint8Array(Buffer.from('{"items": [')), bulk, 'his'));
        expect(bad.code).toBe('BAD_JSON');
      });
    });
  });
});
