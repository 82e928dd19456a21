import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from '@evidence/core';
import { createGateway, loadConfig, signRequest, type Gateway } from '@evidence/gateway';
import { baseEnv, DEV_TOKEN, GatewayClient, pool, tempDir, type RunningGateway } from '../gateway/support/gateway.js';
import { mixedEvent } from '../gateway/support/events.js';
import { DATABASE_URL, dropSchema, scratchSchema } from './support/database.js';

/**
 * Two instances of one gateway on one PostgreSQL schema, in this process:
 * both take intake and serve reads, one sequences; a replayed signed request
 * and a reused idempotency key are refused across instances; a clean stop
 * hands the lease over. The process-level failures (SIGKILL, SIGSTOP, the
 * database cut off) are in failover.test.ts.
 */
describe('two gateway instances on PostgreSQL', () => {
  const dir = tempDir('ha-inst-');
  const schema = scratchSchema('ha');
  const his = generateSm2KeyPair();
  const lost: string[] = [];
  let a: RunningGateway & { gateway: Gateway };
  let b: RunningGateway & { gateway: Gateway };

  const env = (name: string) =>
    baseEnv('HHA00001', `${dir.path}/${name}`, {
      ANCHOR: 'none',
      STORE: 'postgres',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      KEYS_FILE: `${dir.path}/keys.json`,
      CLIENTS_FILE: `${dir.path}/clients.json`,
      BATCH_MAX_AGE_MS: '200',
      BATCH_SIZE: '64',
    });

  beforeAll(async () => {
    writeFileSync(
      `${dir.path}/clients.json`,
      JSON.stringify({ clients: [{ id: 'his', name: 'HIS', roles: ['recorder'], publicKey: his.publicKey }] }),
    );
    a = await start(env('a'));
    b = await start(env('b'));
    await waitFor(async () => (await health(a)).sequencer !== (await health(b)).sequencer, 10_000);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await dropSchema(schema);
    dir.remove();
  });

  it('one instance sequences; both take intake; every event lands in exactly one batch, seq gapless; both serve the proofs', async () => {
    const [ha, hb] = [await health(a), await health(b)];
    expect([ha.sequencer, hb.sequencer].sort()).toEqual([false, true]);
    expect(ha.pid).toBe(process.pid);
    const ids = await pool(Array.from({ length: 300 }, (_, i) => i), 16, async (i) => {
      const target = i % 2 === 0 ? a : b;
      const r = await target.client.post<{ id: string }>('/v1/evidence', mixedEvent(i, 'ha-inst'));
      expect(r.status).toBe(202);
      return r.body.id;
    });
    await waitFor(async () => (await a.client.heads()).pendingLeaves === 0 && (await b.client.heads()).pendingLeaves === 0 && (await pendingIn(a)) === 0, 20_000);
    const seen = new Map<string, number>();
    const closed = (await a.client.heads()).closed;
    for (let seq = 0; seq <= closed; seq++) {
      const batch = await a.gateway.store.getBatch(seq);
      expect(batch, `batch ${seq}`).not.toBeNull();
      if (seq > 0) expect(batch!.header.prev).toBe((await a.gateway.store.getBatch(seq - 1))!.headerHash);
      for (let o = 0; o < batch!.leaves.length; o += 122) {
        const id = Buffer.from(batch!.leaves.subarray(o + 2, o + 18)).toString('hex');
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    for (const id of ids) expect(seen.get(id), id).toBe(1);
    expect(seen.size).toBe(ids.length);
    // The follower's cached log follows the sequencer's: its proofs name the sequencer's checkpoint.
    for (const id of ids.slice(0, 2)) {
      for (const g of [a, b]) await waitFor(async () => (await g.client.get(`/v1/evidence/${id}/proof?pending=true`)).status === 200, 10_000);
    }
    const fromB = await b.client.get<{ log: { checkpoint: { size: number }; inclusion: { path: string[] } } }>(`/v1/evidence/${ids[0]}/proof?pending=true`);
    const fromA = await a.client.get<{ log: { checkpoint: { size: number }; inclusion: { path: string[] } } }>(`/v1/evidence/${ids[0]}/proof?pending=true`);
    expect(fromB.status).toBe(200);
    expect(fromB.body.log.checkpoint.size).toBeGreaterThan(0);
    if (fromA.body.log.checkpoint.size === fromB.body.log.checkpoint.size) expect(fromB.body.log).toEqual(fromA.body.log);
  });

  it('refuses a signed request replayed to the other instance, and answers a reused idempotency key as a duplicate on either', async () => {
    const body = JSON.stringify({ ...mixedEvent(1000, 'ha-replay'), idempotencyKey: 'ha-replay-0001' });
    const authorization = signRequest({ method: 'POST', path: '/v1/evidence', body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    const first = await post(a, body, authorization);
    expect(first.status).toBe(202);
    const replay = await post(b, body, authorization);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ code: 'AUTH_REPLAY' });
    // The same key signed afresh: a duplicate with the first id, on the other instance.
    const again = await post(b, body, signRequest({ method: 'POST', path: '/v1/evidence', body, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey }));
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });

    // Both instances at once with one new key: one record, the same id on both answers.
    const racing = JSON.stringify({ ...mixedEvent(1001, 'ha-race'), idempotencyKey: 'ha-race-0001' });
    const sign = () => signRequest({ method: 'POST', path: '/v1/evidence', body: racing, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey });
    const answers = await Promise.all([post(a, racing, sign()), post(b, racing, sign()), post(a, racing, sign()), post(b, racing, sign())]);
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    expect(answers.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    const conflicting = JSON.stringify({ ...mixedEvent(1002, 'ha-race'), idempotencyKey: 'ha-race-0001' });
    const conflict = await post(b, conflicting, signRequest({ method: 'POST', path: '/v1/evidence', body: conflicting, client: 'his', privateKey: his.privateKey, publicKey: his.publicKey }));
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('hands the lease over when the sequencer stops cleanly, and the new sequencer carries on from the shared store', async () => {
    const [sequencer, follower] = (await health(a)).sequencer ? [a, b] : [b, a];
    const before = (await follower.client.heads()).closed;
    await sequencer.close();
    const stoppedAt = Date.now();
    await waitFor(async () => (await health(follower)).sequencer, 5_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    const r = await follower.client.post<{ id: string }>('/v1/evidence', mixedEvent(2000, 'ha-handover'));
    expect(r.status).toBe(202);
    await waitFor(async () => (await follower.client.get<{ status: string }>(`/v1/evidence/${r.body.id}`)).body.status === 'batched', 10_000);
    // Closed by the new sequencer, after every batch the old one closed.
    expect((await follower.gateway.store.location(r.body.id))!.seq).toBeGreaterThan(before);
    expect(lost).toEqual([]);
  });

  /** An instance whose lost lease is recorded instead of ending the test process. */
  async function start(e: Record<string, string>): Promise<RunningGateway & { gateway: Gateway }> {
    const gateway = await createGateway(loadConfig(e), { logger: false, onSequencerLost: (reason) => lost.push(reason) });
    const url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    return { gateway, url, client: new GatewayClient(url, DEV_TOKEN), close: () => gateway.close() };
  }

  async function health(g: RunningGateway): Promise<{ sequencer: boolean; pid: number }> {
    return (await g.client.get<{ sequencer: boolean; pid: number }>('/healthz')).body;
  }

  async function pendingIn(g: RunningGateway & { gateway: Gateway }): Promise<number> {
    return (await g.gateway.store.pending()).length;
  }

  async function post(g: RunningGateway, body: string, authorization: string) {
    const res = await fetch(`${g.url}/v1/evidence`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { id?: string; duplicate?: boolean; code?: string } };
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
