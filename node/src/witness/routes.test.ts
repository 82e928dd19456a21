import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entityId, generateSm2KeyPair, toHex, verifyCosignature } from '@evidence/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayLog, registryOf } from '../../../test/witness/support.js';
import { buildNodeServer } from '../app.js';
import { nodeSettings, type NodeConfigFile } from '../config.js';
import { staticKeySource } from '../keys/key-source.js';
import { RoutingNode, type RoutingNodeOptions } from '../routing-node.js';

const NODE = { code: 'RN-W', id: toHex(entityId('RN-W')), ...generateSm2KeyPair() };
const LOG = new GatewayLog('H330100001').append(12);
const running: FastifyInstance[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function nodeApp(config: Partial<NodeConfigFile> = {}, options: Partial<RoutingNodeOptions> = {}, logs?: string[]): Promise<FastifyInstance> {
  const node = new RoutingNode({
    settings: nodeSettings({ code: NODE.code, timers: { keepaliveMs: 60_000, holdMs: 600_000 }, verifyWorkers: 0, ...config }),
    signer: NODE,
    keys: staticKeySource([{ id: LOG.id, publicKey: LOG.key.publicKey }]),
    ...options,
  });
  const stream = { write: (line: string) => void logs?.push(line) };
  const app = await buildNodeServer(node, { logger: logs ? { level: 'warn', stream } : false });
  running.push(app);
  return app;
}

const post = (app: FastifyInstance, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.inject({ method: 'POST', url: '/v1/witness/cosign', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('witness routes, mounted in every routing node', () => {
  it("serves the node's identity as a witness, cosigns, and serves the last cosigned checkpoint", async () => {
    const app = await nodeApp();
    expect((await app.inject({ url: '/v1/witness' })).json()).toEqual({ id: NODE.id, publicKey: NODE.publicKey, toleranceMs: 10_000 });
    let res = await app.inject({ url: `/v1/witness/checkpoints/${LOG.id}` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'WITNESS_NONE' });

    const request = LOG.request({ size: 7 });
    res = await post(app, request);
    expect(res.statusCode).toBe(200);
    const { cosignature } = res.json() as { cosignature: { witness: string; ts: number; publicKey: string; value: string } };
    expect(Object.keys(cosignature).sort()).toEqual(['publicKey', 'ts', 'value', 'witness']);
    expect(cosignature).toMatchObject({ witness: NODE.id, publicKey: NODE.publicKey });
    expect(verifyCosignature(request.checkpoint, cosignature)).toBe(true);

    res = await app.inject({ url: `/v1/witness/checkpoints/${LOG.id}` });
    expect(res.json()).toEqual({ checkpoint: request.checkpoint, signature: request.signature, cosignature });

    res = await post(app, LOG.request({ from: 3 }));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ code: 'WITNESS_WRONG_BASE', message: expect.any(String), size: 7 });
    res = await post(app, LOG.request({ from: 7 }));
    expect(res.statusCode).toBe(200);
  });

  it('refuses malformed bodies with WITNESS_BAD_REQUEST and stores nothing', async () => {
    const app = await nodeApp();
    const good = LOG.request({ size: 4 });
    const bodies: [unknown, Record<string, string>?][] = [
      ['{"checkpoint":'],
      [''],
      ['[]'],
      [{ ...good, extra: true }],
      [{ ...good, checkpoint: { ...good.checkpoint, size: '4' } }],
      [{ ...good, checkpoint: { ...good.checkpoint, gateway: good.checkpoint.gateway.toUpperCase() } }],
      [{ ...good, checkpoint: { ...good.checkpoint, alg: 'sha256' } }],
      [{ ...good, signature: { ...good.signature, alg: 'ecdsa' } }],
      [{ ...good, signature: { ...good.signature, value: 'zz' + good.signature.value.slice(2) } }],
      [{ ...good, from: -1 }],
      [{ ...good, proof: Array.from({ length: 129 }, () => '00'.repeat(32)) }],
      [{ ...good, proof: ['00'.repeat(32)] }],
      [{ checkpoint: good.checkpoint, signature: good.signature, from: 0 }],
      [JSON.stringify(good), { 'content-type': 'text/plain' }],
    ];
    for (const [body, headers] of bodies) {
      const res = await post(app, body, headers);
      expect(res.statusCode, String(body).slice(0, 80)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'WITNESS_BAD_REQUEST', message: expect.any(String) });
    }
    const big = await post(app, { ...good, pad: 'x'.repeat(70_000) });
    expect([big.statusCode, big.json().code]).toEqual([413, 'WITNESS_BODY_TOO_LARGE']);
    expect((await app.inject({ url: '/v1/witness/checkpoints/not-hex' })).json()).toMatchObject({ code: 'WITNESS_BAD_REQUEST' });
    expect((await app.inject({ url: '/v1/witness/forks?limit=0' })).json()).toMatchObject({ code: 'WITNESS_BAD_REQUEST' });
    expect((await app.inject({ url: `/v1/witness/checkpoints/${LOG.id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/witness/forks' })).json()).toEqual({ forks: [] });
  });

  it('serves fork evidence publicly, by gateway and bounded, and counts it in the node metrics', async () => {
    const app = await nodeApp();
    const other = new GatewayLog('H330100002').append(3);
    expect((await post(app, LOG.request({ size: 5 }))).statusCode).toBe(200);
    const forked = LOG.rewritten(2).request({ size: 5, from: 5 });
    const res = await post(app, forked);
    expect([res.statusCode, res.json().code]).toEqual([409, 'WITNESS_FORK']);
    const { forks } = (await app.inject({ url: '/v1/witness/forks' })).json() as { forks: unknown[] };
    expect(forks).toEqual([
      {
        gateway: LOG.id,
        first: { checkpoint: LOG.checkpoint(5, (forks[0] as { first: { checkpoint: { ts: number } } }).first.checkpoint.ts), signature: expect.any(Object) },
        second: { checkpoint: forked.checkpoint, signature: forked.signature },
        detectedAt: expect.any(Number),
        reason: 'root',
      },
    ]);
    expect((await app.inject({ url: `/v1/witness/forks?gateway=${other.id}` })).json()).toEqual({ forks: [] });
    expect(((await app.inject({ url: `/v1/witness/forks?gateway=${LOG.id}&limit=1` })).json() as { forks: unknown[] }).forks).toHaveLength(1);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^evidence_witness_forks_total\{node="RN-W"\} 1$/m);
    expect(metrics).toMatch(/^evidence_witness_cosignatures_total\{node="RN-W"\} 1$/m);
    expect(metrics).toMatch(/^evidence_witness_refusals_total\{code="WITNESS_FORK",node="RN-W"\} 1$/m);
  });

  it('logs each fork as an alarm at error level, in Chinese and English, and warns at start when its state is in memory only', async () => {
    const logs: string[] = [];
    const app = await nodeApp({}, {}, logs);
    const parsed = () => logs.map((l) => JSON.parse(l) as { level: number; msg: string; alarm?: string; gateway?: string; reason?: string });
    expect(parsed()).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/内存.*memory/) })]);
    expect((await post(app, LOG.request({ size: 6 }))).statusCode).toBe(200);
    expect((await post(app, LOG.rewritten(5).request({ size: 6, from: 6 }))).statusCode).toBe(409);
    expect(parsed().filter((l) => l.alarm === 'witness-fork')).toEqual([
      expect.objectContaining({ level: 50, gateway: LOG.id, reason: 'root', msg: expect.stringMatching(/告警.*ALARM.*分叉.*fork.*两个不同的根.*two roots/) }),
    ]);

    const dir = await mkdtemp(join(tmpdir(), 'witness-node-'));
    folders.push(dir);
    const quiet: string[] = [];
    await nodeApp({ dataDir: dir }, {}, quiet);
    expect(quiet).toEqual([]);
  });

  it('is not mounted when the settings or the caller turn it off', async () => {
    for (const app of [await nodeApp({ witness: { enabled: false } }), await nodeApp({}, { witness: false })]) {
      const res = await app.inject({ url: '/v1/witness' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it("keeps its state in the node's data folder, and takes its tolerance and keys from the settings or the caller", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'witness-node-'));
    folders.push(dir);
    const other = new GatewayLog('H330100009').append(2);
    const app = await nodeApp({ dataDir: dir, witness: { toleranceMs: 500 } }, { witness: { keys: registryOf(other) } });
    expect((await app.inject({ url: '/v1/witness' })).json()).toMatchObject({ toleranceMs: 500 });
    expect((await post(app, other.request({ ts: Date.now() - 2_000 }))).json()).toMatchObject({ code: 'WITNESS_CLOCK_SKEW' });
    expect((await post(app, LOG.request())).json()).toMatchObject({ code: 'WITNESS_UNKNOWN_GATEWAY' });
    expect((await post(app, other.request())).statusCode).toBe(200);
    expect(await readdir(join(dir, 'witness'))).toContain('CURRENT');
  });
});
