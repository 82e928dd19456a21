/**
 * A routing node's witness over HTTP on 127.0.0.1, with its state in the
 * node's data folder: what it cosigned, and the forks it found, survive a
 * restart, so a restarted witness never cosigns a fork.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityId, generateSm2KeyPair, toHex, verifyCosignature, type Cosignature } from '@evidence/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildNodeServer } from '../../node/src/app.js';
import { nodeSettings } from '../../node/src/config.js';
import { staticKeySource } from '../../node/src/keys/key-source.js';
import { RoutingNode } from '../../node/src/routing-node.js';
import type { CosignRequest, ForkEvidence } from '../../node/src/witness/index.js';
import { GatewayLog } from './support.js';

const NODE = { code: 'RN-HZ-01', id: toHex(entityId('RN-HZ-01')), ...generateSm2KeyPair() };
const GW = new GatewayLog('H330100001');
const OTHER = new GatewayLog('H330100002');
const STRANGER = new GatewayLog('H339999999');
let dir: string;
let app: FastifyInstance | undefined;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'witness-restart-'));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts (or restarts) the node on its data folder, listening on a port chosen now. */
async function start(): Promise<void> {
  await app?.close();
  const node = new RoutingNode({
    settings: nodeSettings({ code: NODE.code, dataDir: join(dir, NODE.code), verifyWorkers: 0, timers: { keepaliveMs: 60_000, holdMs: 600_000 } }),
    signer: NODE,
    keys: staticKeySource([GW, OTHER].map((l) => ({ id: l.id, publicKey: l.key.publicKey }))),
  });
  app = await buildNodeServer(node, { logger: false });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const cosign = (request: CosignRequest | string) => call('POST', '/v1/witness/cosign', request);

async function snapshot(): Promise<unknown> {
  const [gw, other, stranger, forks] = await Promise.all([
    call('GET', `/v1/witness/checkpoints/${GW.id}`),
    call('GET', `/v1/witness/checkpoints/${OTHER.id}`),
    call('GET', `/v1/witness/checkpoints/${STRANGER.id}`),
    call('GET', '/v1/witness/forks'),
  ]);
  return { gw, other, stranger, forks };
}

describe('a routing node witness across restarts', () => {
  it('cosigns, restarts, cosigns again; a forked checkpoint after a restart is WITNESS_FORK with the evidence kept and served', async () => {
    GW.append(10);
    await start();
    const request = GW.request();
    const first = await cosign(request);
    expect(first.status).toBe(200);
    expect(verifyCosignature(request.checkpoint, first.body.cosignature as Cosignature)).toBe(true);

    await start();
    // After the restart the witness still knows it cosigned size 10: the same checkpoint is answered
    // with the same cosignature, and a larger size from 0 is the wrong base.
    expect(await cosign(request)).toEqual(first);
    GW.append(6);
    expect((await cosign(GW.request({ from: 0 }))).body).toMatchObject({ code: 'WITNESS_WRONG_BASE', size: 10 });
    const second = await cosign(GW.request({ from: 10 }));
    expect(second.status).toBe(200);

    await start();
    // The gateway shows another history of the same size to someone else: it comes here too.
    const forked = GW.rewritten(4).request({ from: 16 });
    const refused = await cosign(forked);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'WITNESS_FORK' });
    const latest = await call('GET', `/v1/witness/checkpoints/${GW.id}`);
    expect(latest.body).toMatchObject({ checkpoint: { size: 16, root: GW.checkpoint(16).root }, cosignature: second.body.cosignature });

    await start();
    const { forks } = (await call('GET', '/v1/witness/forks')).body as { forks: ForkEvidence[] };
    expect(forks).toHaveLength(1);
    expect(forks[0]).toMatchObject({
      gateway: GW.id,
      reason: 'root',
      first: { checkpoint: latest.body.checkpoint, signature: latest.body.signature },
      second: { checkpoint: forked.checkpoint, signature: forked.signature },
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    // Counters start again with the process; the evidence does not.
    expect(metrics).toMatch(/^evidence_witness_forks_total\{node="RN-HZ-01"\} 0$/m);
  });

  it('a gateway that rewrites a batch after it was cosigned: its next checkpoint is refused, across a restart, and the evidence kept', async () => {
    OTHER.append(9);
    await start();
    expect((await cosign(OTHER.request())).status).toBe(200);
    await start();
    const rewritten = OTHER.rewritten(7).append(3);
    const next = rewritten.request({ from: 9 });
    const res = await cosign(next);
    expect(res).toMatchObject({ status: 409, body: { code: 'WITNESS_FORK' } });
    const forks = ((await call('GET', `/v1/witness/forks?gateway=${OTHER.id}`)).body.forks as ForkEvidence[]);
    expect(forks).toEqual([
      expect.objectContaining({ reason: 'consistency', proof: next.proof, second: { checkpoint: next.checkpoint, signature: next.signature } }),
    ]);
    // The honest extension is still cosigned; the rewritten one still is not, even from the new size.
    OTHER.append(3);
    expect((await cosign(OTHER.request({ from: 9 }))).status).toBe(200);
    rewritten.append(2);
    expect((await cosign(rewritten.request({ from: 12 }))).body).toMatchObject({ code: 'WITNESS_FORK' });
    expect(((await call('GET', `/v1/witness/forks?gateway=${OTHER.id}`)).body.forks as ForkEvidence[])).toHaveLength(2);
  });

  it('refuses skewed, replayed, unregistered, wrongly keyed and malformed requests with their codes, and stores nothing, across a restart', async () => {
    await start();
    const before = await snapshot();
    const size = GW.size;
    GW.append(2);
    STRANGER.append(2);
    const cases: [string, number, CosignRequest | string][] = [
      ['WITNESS_CLOCK_SKEW', 400, GW.request({ from: size, ts: Date.now() - 60_000 })],
      ['WITNESS_CLOCK_SKEW', 400, GW.request({ from: size, ts: Date.now() + 60_000 })],
      ['WITNESS_STALE', 409, GW.request({ size: 3 })],
      ['WITNESS_UNKNOWN_GATEWAY', 403, STRANGER.request()],
      ['WITNESS_WRONG_KEY', 403, GW.request({ from: size, signWith: OTHER.key })],
      ['WITNESS_BAD_SIGNATURE', 400, { ...GW.request({ from: size }), checkpoint: GW.checkpoint(GW.size, 1) }],
      ['WITNESS_BAD_REQUEST', 400, { ...GW.request({ from: size }), proof: [] }],
      ['WITNESS_BAD_REQUEST', 400, '{"checkpoint": {}, "signature": {}, "from": 0, "proof": []}'],
      ['WITNESS_BAD_REQUEST', 400, 'not json'],
    ];
    for (const [code, status, request] of cases) {
      const res = await cosign(request);
      expect({ status: res.status, code: res.body.code }, code).toEqual({ status, code });
      expect(typeof res.body.message).toBe('string');
    }
    expect(await snapshot()).toEqual(before);
    await start();
    expect(await snapshot()).toEqual(before);
  });
});
