/**
 * A Fabric network for gateway tests: the real chaincode on an in-memory peer
 * behind the Fabric Gateway service (TLS, signed proposals), optionally
 * cutting a block every few seconds as an orderer's BatchTimeout does, and the
 * FABRIC_* settings a gateway process needs for an identity.
 */
// fabric-gateway (through the adapter) first: its copy of fabric-protos must load before fabric-shim's.
import { connectFabricAnchor, registerGateway, type FabricAnchor } from '@evidence/chaincode';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entityId, toHex } from '@evidence/core';
import { createEvidenceNetwork, FabricGatewayService, type EvidenceNetwork, type TestIdentity } from '@evidence/chaincode/testing';

export interface FabricFixture {
  net: EvidenceNetwork;
  service: FabricGatewayService;
  /** FABRIC_* settings for `identity`, its certificate and key written in the MSP folder layout. */
  env(identity: TestIdentity): Record<string, string>;
  /** Registers gateway `code` with its SM2 key, bound to a fresh identity; returns that identity's settings. */
  register(code: string, publicKey: string): Promise<Record<string, string>>;
  /** A read-only adapter (a court's identity), for online checks. */
  reader(): Promise<FabricAnchor>;
  close(): Promise<void>;
}

export async function fabricNetwork(dir: string, options: { batchTimeoutMs?: number } = {}): Promise<FabricFixture> {
  const net = await createEvidenceNetwork();
  const tlsCa = join(dir, 'tls-ca.pem');
  writeFileSync(tlsCa, net.ca.certificate);
  const serverTls = net.ca.issueServer({ CN: 'peer0.org1.example.com' }, { dns: ['peer0.org1.example.com'] });
  const service = await FabricGatewayService.start(net.fabric, {
    tls: { key: serverTls.privateKey, cert: serverTls.certificate },
    batchTimeoutMs: options.batchTimeoutMs,
  });
  const readers: FabricAnchor[] = [];

  const env = (identity: TestIdentity): Record<string, string> => {
    const base = join(dir, `msp-${identity.mspId}-${Math.random().toString(36).slice(2)}`);
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
  };

  return {
    net,
    service,
    env,
    async register(code, publicKey) {
      const identity = net.identity(`gateway-${code}`);
      await registerGateway(net.governorPort, { id: toHex(entityId(code)), code, publicKey, account: await net.accountOf(identity) });
      return env(identity);
    },
    async reader() {
      const r = await connectFabricAnchor(env(net.identity('court-reader')));
      readers.push(r);
      return r;
    },
    async close() {
      for (const r of readers) await r.close();
      await service.close();
    },
  };
}
