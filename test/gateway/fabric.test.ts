/**
 * ANCHOR=fabric: a gateway process anchors through the chaincode adapter
 * (fabric-gateway over TLS, signed proposals) on the Fabric Gateway service of
 * an in-memory peer running the real chaincode. Batches use SM3 trees, as the
 * chaincode requires, and every proof verifies offline and on the ledger.
 */
// fabric-gateway (through the adapter) first: its copy of fabric-protos must load before fabric-shim's.
import { connectFabricAnchor, registerGateway } from '@evidence/chaincode';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnchor, entityId, toHex, verifyBundle } from '@evidence/core';
import { createEvidenceNetwork, FabricGatewayService, type EvidenceNetwork, type TestIdentity } from '@evidence/chaincode/testing';
import { mixedEvent } from './support/events.js';
import { baseEnv, gatewayPublicKey, memoAnchor, pool, settled, spawnGateway, tempDir } from './support/gateway.js';

describe('gateway anchoring on Fabric (in-memory peer behind the Fabric Gateway service)', () => {
  const dir = tempDir('gw-fabric-');
  let net: EvidenceNetwork;
  let service: FabricGatewayService;
  let tlsCa: string;

  /** The identity's certificate and key in the MSP folder layout, and the FABRIC_* settings naming them. */
  function fabricEnv(identity: TestIdentity): Record<string, string> {
    const base = join(dir.path, `msp-${identity.mspId}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(base, 'signcerts'), { recursive: true });
    mkdirSync(join(base, 'keystore'), { recursive: true });
    writeFileSync(join(base, 'signcerts', 'cert.pem'), identity.certificate);
    writeFileSync(join(base, 'keystore', 'priv_sk'), identity.privateKey, { mode: 0o600 });
    return {
      FABRIC_PEER_ENDPOINT: service.address,
      FABRIC_PEER_HOST_ALIAS: 'peer0.org1.example.com',
      FABRIC_MSP_ID: identity.mspId,
      FABRIC_CERT_PATH: join(base, 'signcerts'),
      FABRIC_KEY_PATH: join(base, 'keystore'),
      FABRIC_TLS_CERT_PATH: tlsCa,
      FABRIC_CHANNEL: 'evidence',
      FABRIC_CHAINCODE: 'anchor',
    };
  }

  beforeAll(async () => {
    net = await createEvidenceNetwork();
    tlsCa = join(dir.path, 'tls-ca.pem');
    writeFileSync(tlsCa, net.ca.certificate);
    const serverTls = net.ca.issueServer({ CN: 'peer0.org1.example.com' }, { dns: ['peer0.org1.example.com'] });
    service = await FabricGatewayService.start(net.fabric, { tls: { key: serverTls.privateKey, cert: serverTls.certificate } });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    dir.remove();
  });

  it('records, batches with SM3, anchors on the ledger in order, and serves proofs that verify there', async () => {
    const code = 'HFABRIC01';
    const data = join(dir.path, 'gw');
    const identity = net.identity(`gateway-${code}`);
    await registerGateway(net.governorPort, { id: toHex(entityId(code)), code, publicKey: await gatewayPublicKey(data), account: await net.accountOf(identity) });
    const env = {
      ...baseEnv(code, data, { ANCHOR: 'fabric', BATCH_SIZE: '40', BATCH_MAX_AGE_MS: '100' }),
      ...fabricEnv(identity),
    };
    const gw = await spawnGateway(env);
    const reader = await connectFabricAnchor(fabricEnv(net.identity('court-reader')));
    try {
      const info = await gw.client.get<{ alg: string; chain: string }>('/v1/gateway');
      expect(info.body).toMatchObject({ alg: 'sm3', chain: 'fabric' });
      const r = await gw.client.post<{ items: { id: string }[] }>('/v1/evidence/batch', { items: Array.from({ length: 150 }, (_, i) => mixedEvent(i, 'fabric')) });
      expect(r.status).toBe(202);
      const heads = await settled(gw.client, 60_000);
      expect(heads.closed).toBe(3);
      expect(await reader.latestCheckpoint(toHex(entityId(code)))).toMatchObject({ size: 4 });
      const memo = memoAnchor(reader);
      await pool(r.body.items.map((x) => x.id), 8, async (id) => {
        const p = await gw.client.proof(id);
        expect(p.status).toBe(200);
        expect(p.body).toMatchObject({ format: 'evidence-proof/2', batch: { alg: 'sm3' }, log: { checkpoint: { alg: 'sm3' } } });
        expect(p.body.anchor).toMatchObject({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
        expect(verifyBundle(p.body)).toMatchObject({ valid: true });
        expect(await checkAnchor(p.body, memo)).toMatchObject({ anchored: true });
      });
    } finally {
      await reader.close();
      await gw.close();
    }
  }, 180_000);
});
