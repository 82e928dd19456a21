/**
 * A Fabric-anchored gateway has the registries the chaincode holds
 * (chains/fabric/registries.ts): practitioner credentials issued, suspended
 * and revoked through the gateway's HTTP routes, each committed on the
 * in-memory peer behind the Fabric Gateway service (the real chaincode) and
 * answered with its transaction id and block; and a patient's consent, once
 * its `consent` evidence is anchored by a checkpoint, granted on the ledger
 * with its version 2 bundle and read back.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PAYLOADS } from '@evidence/gateway';
import { locationOf } from '../../gateway/src/people/claim-package.js';
import { openRegistries } from '../../gateway/src/chains/index.js';
import { fabricNetwork, type FabricFixture } from '../gateway/support/fabric.js';
import { baseEnv, gatewayPublicKey, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';
import type { Gateway } from '@evidence/gateway';

const DAY = 86_400_000;

describe('registries on Fabric (credentials and consents through the chaincode)', () => {
  const dir = tempDir('gw-fabric-reg-');
  let fabric: FabricFixture;
  let gw: RunningGateway & { gateway: Gateway };
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    fabric = await fabricNetwork(dir.path);
    const code = 'HFABREG01';
    const data = join(dir.path, 'gw');
    const chain = await fabric.register(code, await gatewayPublicKey(data));
    // The chaincode adapter reads its FABRIC_* settings from the environment, as a started gateway does.
    for (const [k, v] of Object.entries(chain)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    gw = await startGateway({ ...baseEnv(code, data, { ANCHOR: 'fabric', BATCH_MAX_AGE_MS: '100' }), ...chain });
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await fabric?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    dir.remove();
  });

  const pharmacist = { practitionerId: 'PH-F-01', credentialType: 'pharmacist-license', number: 'ZJ-PH-0001', issuer: '浙江省药品监督管理局' };
  const txRef = { txHash: expect.stringMatching(/^[0-9a-f]{64}$/), blockNumber: expect.any(Number) };

  it('issues, suspends and revokes a credential on the ledger, each answered with its transaction', async () => {
    const issued = await gw.client.post<{ credentialId: string; status: string; tx: unknown }>('/v1/credentials', { ...pharmacist, role: 'pharmacist', validUntil: Date.now() + 365 * DAY });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ status: 'active', tx: txRef });
    const id = issued.body.credentialId;
    const view = await gw.client.get(`/v1/credentials/${id}`);
    expect(view.body).toMatchObject({ status: 'active', credential: { issuer: gw.gateway.ctx.gatewayId, role: 'pharmacist' } });

    const suspended = await gw.client.post('/v1/credentials/suspend', { ...pharmacist, reason: '暂停执业' });
    expect(suspended).toMatchObject({ status: 200, body: { status: 'suspended', tx: txRef } });
    const revoked = await gw.client.post('/v1/credentials/revoke', { ...pharmacist, reason: '吊销' });
    expect(revoked).toMatchObject({ status: 200, body: { status: 'revoked', tx: txRef } });
    expect((await gw.client.get(`/v1/credentials/${id}`)).body).toMatchObject({ status: 'revoked' });
    // An id the ledger never issued.
    expect(await gw.client.get(`/v1/credentials/${'ab'.repeat(32)}`)).toMatchObject({ status: 404, body: { code: 'CREDENTIAL_NOT_FOUND' } });
  });

  it('grants an anchored consent on the ledger with its version 2 bundle, and reads it back', async () => {
    const recorded = await gw.client.post<{ id: string; leaf: { subject: string } }>('/v1/evidence', {
      kind: 'consent',
      subject: { idNumber: '110105194912310021' },
      payload: EXAMPLE_PAYLOADS.consent,
    });
    expect(recorded.status).toBe(202);
    let bundle = null;
    for (let tries = 0; tries < 200 && !bundle; tries++) {
      bundle = await gw.gateway.ctx.proofs.bundle(recorded.body.id, false).catch(() => null);
      if (!bundle) await new Promise((r) => setTimeout(r, 100));
    }
    expect(bundle).toMatchObject({ format: 'evidence-proof/2', anchor: { chain: 'fabric' } });
    // The gateway's registries as the consent route opens them (chains/index.ts picks the chaincode's for ANCHOR=fabric).
    const registries = await openRegistries(gw.gateway.ctx.config);
    const grantee = 'cd'.repeat(32);
    const subject = recorded.body.leaf.subject;
    const gateway = gw.gateway.ctx.gatewayId;
    expect(await registries.consentStatus({ gateway, subject, grantee })).toMatchObject({ status: 'none' });
    const tx = await registries.grantConsent({ consent: bundle!.leaf, location: locationOf(bundle!), bundle: bundle!, grantee, kinds: ['prescription', 'payment'], expiresAt: Date.now() + DAY });
    expect(tx).toMatchObject(txRef);
    expect(await registries.consentStatus({ gateway, subject, grantee })).toEqual({ status: 'active', kinds: [5, 8], expiresAt: expect.any(Number), evidenceId: recorded.body.id });
    registries.close();
  }, 60_000);
});
