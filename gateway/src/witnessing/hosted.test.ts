import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCosignature } from '@evidence/core';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayLog, registryOf } from '../../../test/witness/support.js';
import { loadConfig } from '../config/load.js';
import { createGateway, type Gateway } from '../gateway.js';

// Another institution's gateway, whose checkpoints this gateway witnesses.
const OTHER = new GatewayLog('H330100009').append(12);
const running: Gateway[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const g of running.splice(0)) await g.close();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function gateway(env: Record<string, string>, dataDir?: string): Promise<{ gateway: Gateway; dataDir: string }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'gw-hosted-witness-')));
  if (!dataDir) folders.push(dir);
  const g = await createGateway(loadConfig({ GATEWAY_CODE: 'H330100001', DATA_DIR: dir, ANCHOR: 'none', LOG_LEVEL: 'silent', ...env }), {
    logger: false,
    witness: { keys: registryOf(OTHER) },
  });
  running.push(g);
  return { gateway: g, dataDir: dir };
}

const cosign = (g: Gateway, body: unknown) =>
  g.app.inject({ method: 'POST', url: '/v1/witness/cosign', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('a gateway hosting a witness (WITNESS_ENABLED)', () => {
  it('cosigns another institution\'s checkpoint with its own id and key, without client authentication', async () => {
    const { gateway: g } = await gateway({ WITNESS_ENABLED: 'true' });
    const info = await g.app.inject({ url: '/v1/witness' });
    expect(info.json()).toEqual({ id: g.ctx.gatewayId, publicKey: g.keys.sm2.publicKey, toleranceMs: 10_000 });

    const request = OTHER.request({ size: 7 });
    const res = await cosign(g, request);
    expect(res.statusCode).toBe(200);
    const { cosignature } = res.json() as { cosignature: { witness: string; ts: number; publicKey: string; value: string } };
    expect(cosignature).toMatchObject({ witness: g.ctx.gatewayId, publicKey: g.keys.sm2.publicKey });
    expect(verifyCosignature(request.checkpoint, cosignature)).toBe(true);

    // The witness's own refusals and schema, not the gateway's error shapes.
    const bad = await cosign(g, { ...request, extra: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'WITNESS_BAD_REQUEST' });
    const metrics = await g.app.inject({ url: '/v1/witness/metrics' });
    expect(metrics.body).toMatch(/^evidence_witness_cosignatures_total\{witness="H330100001"\} 1$/m);
  });

  it('keeps what it cosigned under DATA_DIR: after a restart it refuses a rewritten history as a fork', async () => {
    const first = await gateway({ WITNESS_ENABLED: 'true' });
    expect((await cosign(first.gateway, OTHER.request({ size: 10 }))).statusCode).toBe(200);
    await first.gateway.close();
    running.splice(running.indexOf(first.gateway), 1);

    const again = await gateway({ WITNESS_ENABLED: 'true' }, first.dataDir);
    const forked = await cosign(again.gateway, OTHER.rewritten(3).request({ size: 10, from: 10 }));
    expect(forked.statusCode).toBe(409);
    expect(forked.json()).toMatchObject({ code: 'WITNESS_FORK' });
    const forks = (await again.gateway.app.inject({ url: `/v1/witness/forks?gateway=${OTHER.id}` })).json() as { forks: { reason: string }[] };
    expect(forks.forks.map((f) => f.reason)).toEqual(['root']);
  });

  it('mounts nothing unless enabled, and needs the chain registry when enabled without one', async () => {
    const { gateway: g } = await gateway({});
    expect((await cosign(g, OTHER.request({ size: 7 }))).statusCode).toBe(404);

    const dir = await mkdtemp(join(tmpdir(), 'gw-hosted-witness-'));
    folders.push(dir);
    await expect(createGateway(loadConfig({ GATEWAY_CODE: 'H330100001', DATA_DIR: dir, ANCHOR: 'none', WITNESS_ENABLED: 'true' }), { logger: false })).rejects.toThrow(
      /WITNESS_ENABLED needs EVM_RPC_URL and EVM_CONTRACT/,
    );
  });
});
