/**
 * Erasure that erases (issue 27, finding 1), tested the way it was broken:
 * record a payload, let LevelDB move it into its tables, erase it over HTTP,
 * then read every byte of every file under the data folder looking for the
 * ciphertext, its key (bare or in the key block's previous seal), the salt,
 * the salt-free idempotency digest and the plaintext; and open every value the
 * store still holds with every key the gateway has.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, sm4 } from '@evidence/core';
import { EXAMPLE_PAYLOADS, loadConfig, createGateway, type Gateway } from '@evidence/gateway';
import { baseEnv, DEV_TOKEN, GatewayClient, tempDir } from '../gateway/support/gateway.js';

const folder = tempDir('sec-erase-');
const dataDir = join(folder.path, 'data');
const env = baseEnv('H330100027', dataDir, { ANCHOR: 'none', KEYS_FILE: join(folder.path, 'keys', 'gateway.json') });
const SECRET = '张三 13800138000 erasure-canary';
const payment = (i: number) => ({ ...(EXAMPLE_PAYLOADS.payment as object), ext: { note: `${SECRET} #${i}` } });
const item = (i: number) => ({ kind: 'payment', subject: { idNumber: '330102198001010011' }, payload: payment(i) });

let gateway: Gateway;
let client: GatewayClient;

async function start(): Promise<void> {
  gateway = await createGateway(loadConfig(env), { logger: false });
  client = new GatewayClient(await gateway.app.listen({ host: '127.0.0.1', port: 0 }), DEV_TOKEN);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Files under the data folder holding `needle`, byte for byte. */
const holding = (needle: Uint8Array): string[] => filesUnder(dataDir).filter((f) => readFileSync(f).includes(Buffer.from(needle)));

beforeAll(async () => {
  await start();
});
afterAll(async () => {
  await gateway?.close();
  folder.remove();
});

describe('DELETE /v1/evidence/:id/payload', () => {
  it('leaves no file under the data folder from which any key of the gateway recovers the payload or the salt', async () => {
    // Two requests so the record shares its key block with others, one with an idempotency key.
    const bulk = await client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: [item(0), item(1), item(2)] });
    expect(bulk.status).toBe(202);
    const single = await client.post<{ id: string }>('/v1/evidence', { ...item(3), idempotencyKey: 'erase-me-0001' });
    expect(single.status).toBe(202);
    const victims = [bulk.body.items[1]!.id, single.body.id];
    const kept = bulk.body.items[0]!.id;

    // A restart replays LevelDB's log into a table: the secrets now sit in .ldb files as well as the new log.
    await gateway.close();
    await start();

    const masterKey = gateway.keys.masterKey;
    const before = await Promise.all(
      victims.map(async (id) => {
        const record = (await gateway.store.getRecord(id))!;
        const block = (await gateway.store.getKeyBlock(record.keyRef!.block))!;
        const keys = sm4.open(block.sealed, masterKey, new Uint8Array([...Buffer.from('keyblock:'), ...fromHex(record.keyRef!.block, 16)]));
        const dataKey = keys.slice(record.keyRef!.index * 32, record.keyRef!.index * 32 + 32);
        return { id, record, oldSeal: block.sealed, dataKey };
      }),
    );
    const digest = (await gateway.store.findIdempotent('dev', 'erase-me-0001'))?.digest;
    // The test looks for the right things: before erasure every one of them is on disk.
    for (const b of before) {
      expect(holding(b.record.salt!).length).toBeGreaterThan(0);
      expect(holding(b.record.sealedPayload!).length).toBeGreaterThan(0);
      expect(holding(b.oldSeal).length).toBeGreaterThan(0);
    }
    if (digest) expect(holding(Buffer.from(JSON.stringify(digest))).length).toBeGreaterThan(0);

    for (const id of victims) expect((await client.request('DELETE', `/v1/evidence/${id}/payload`)).status).toBe(200);

    // Right after the answers, the process still running: nothing of the erased records in any file.
    for (const b of before) {
      expect(holding(b.record.salt!), 'salt').toEqual([]);
      expect(holding(b.record.sealedPayload!), 'ciphertext').toEqual([]);
      expect(holding(b.record.sealedPayload!.subarray(0, 24)), 'start of the ciphertext').toEqual([]);
      expect(holding(b.dataKey), 'data key').toEqual([]);
      expect(holding(b.oldSeal), "the key block's previous seal").toEqual([]);
    }
    if (digest) expect(holding(Buffer.from(JSON.stringify(digest))), 'salt-free idempotency digest').toEqual([]);
    expect(holding(Buffer.from(SECRET)), 'plaintext').toEqual([]);

    // The record that shared the block still opens; the erased ones answer PAYLOAD_ERASED.
    expect(await gateway.ctx.evidence.openPayload((await gateway.store.getRecord(kept))!)).toMatchObject({ payload: payment(0) });
    await expect(gateway.ctx.evidence.openPayload((await gateway.store.getRecord(victims[0]!))!)).rejects.toMatchObject({ code: 'PAYLOAD_ERASED' });
    expect((await client.get(`/v1/evidence/${victims[1]}`)).body).toMatchObject({ payloadErased: true });
    const keys = { master: masterKey, subject: gateway.keys.subjectKey, sm2: Buffer.from(gateway.keys.sm2.privateKey, 'hex') };
    await gateway.close();

    // Every value left in the store, opened with every key the gateway has (and every key those give).
    const db = new ClassicLevel<string, Uint8Array>(join(dataDir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    const recovered: Uint8Array[] = [keys.master, keys.subject, keys.sm2];
    for await (const [key, value] of db.iterator({ gt: 'k!', lt: 'k"' })) {
      const slots = sm4.open(value, keys.master, new Uint8Array([...Buffer.from('keyblock:'), ...fromHex(key.slice(2), 16)]));
      for (let o = 0; o < slots.length; o += 32) recovered.push(slots.slice(o, o + 32));
    }
    for (const b of before) expect(recovered.some((k) => Buffer.from(k).equals(Buffer.from(b.dataKey)))).toBe(false);
    // SM4-CTR has no tag, so every candidate opens to something: look for the plaintexts instead.
    const found = new Set<string>();
    for await (const [, value] of db.iterator()) {
      for (const k of recovered) {
        for (let at = 0; at + 17 <= value.length; at++) {
          if (value[at] !== sm4.PAYLOAD_VERSION) continue;
          const plain = Buffer.from(sm4.decryptPayload(value.subarray(at), k)).toString('utf8');
          for (const m of plain.matchAll(/erasure-canary #(\d)/g)) found.add(m[1]!);
        }
      }
    }
    await db.close();
    // The records kept (0 and 2) still open under their keys; the erased ones (1 and 3) under none.
    expect([...found].sort()).toEqual(['0', '2']);
  }, 120_000);
});
