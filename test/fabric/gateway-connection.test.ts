/**
 * The adapter's real connection: connectFabricAnchor reads the identity and TLS
 * files named in the environment, opens a gRPC channel with TLS, signs every
 * proposal, transaction and commit-status request with the identity's key, and
 * runs the Anchor conformance suite through @hyperledger/fabric-gateway against
 * the Fabric Gateway service of an in-memory peer on 127.0.0.1 that checks those
 * signatures as a peer does.
 */
// fabric-gateway (through the adapter) first: its copy of fabric-protos must load before fabric-shim's.
import { connectFabricAnchor, connectFabricGateway, fabricSettingsFromEnv, rotateGatewayKey, whoAmI, type FabricAnchor } from '@evidence/chaincode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair, signCheckpoint } from '@evidence/core';
import { createEvidenceNetwork, FabricGatewayService, type EvidenceNetwork, type TestIdentity } from '@evidence/chaincode/testing';
import { describeAnchorConformance, describeCheckpointConformance, expectAnchorError, makeSignedBatch, type AnchorFixture } from '../conformance/anchor.js';

const dir = mkdtempSync(join(tmpdir(), 'fabric-id-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an identity in the MSP folder layout cryptogen and Fabric CA clients produce. */
function writeMsp(name: string, identity: TestIdentity): { cert: string; key: string } {
  const base = join(dir, name);
  mkdirSync(join(base, 'signcerts'), { recursive: true });
  mkdirSync(join(base, 'keystore'), { recursive: true });
  writeFileSync(join(base, 'signcerts', 'cert.pem'), identity.certificate);
  writeFileSync(join(base, 'keystore', 'priv_sk'), identity.privateKey, { mode: 0o600 });
  return { cert: join(base, 'signcerts'), key: join(base, 'keystore') };
}

interface Peer {
  net: EvidenceNetwork;
  service: FabricGatewayService;
  tlsCa: string;
  env(identity: TestIdentity, extra?: Record<string, string>): Record<string, string>;
}

async function startPeer(options: { mutualTls?: boolean } = {}): Promise<Peer> {
  const net = await createEvidenceNetwork();
  const tlsCa = createTlsCa(net);
  const serverTls = net.ca.issueServer({ CN: 'peer0.org1.example.com' }, { dns: ['peer0.org1.example.com'] });
  const service = await FabricGatewayService.start(net.fabric, {
    tls: { key: serverTls.privateKey, cert: serverTls.certificate, clientCa: options.mutualTls ? net.ca.certificate : undefined },
  });
  return {
    net,
    service,
    tlsCa,
    env(identity, extra = {}) {
      const files = writeMsp(`${identity.mspId}-${Math.random().toString(36).slice(2)}`, identity);
      return {
        FABRIC_PEER_ENDPOINT: service.address,
        FABRIC_PEER_HOST_ALIAS: 'peer0.org1.example.com',
        FABRIC_MSP_ID: identity.mspId,
        FABRIC_CERT_PATH: files.cert,
        FABRIC_KEY_PATH: files.key,
        FABRIC_TLS_CERT_PATH: tlsCa,
        FABRIC_CHANNEL: 'evidence',
        FABRIC_CHAINCODE: 'anchor',
        ...extra,
      };
    },
  };
}

function createTlsCa(net: EvidenceNetwork): string {
  const path = join(dir, `tls-ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(path, net.ca.certificate);
  return path;
}

const opened: { close(): unknown }[] = [];
afterAll(async () => {
  for (const o of opened) await o.close();
});

/** A peer of its own behind the Gateway service; the gateway's connection signs checkpoints with the gateway's SM2 key. */
async function gatewayFixture(): Promise<AnchorFixture> {
  const peer = await startPeer();
  opened.push(peer.service);
  const gateway = await peer.net.registerGateway('H330100001');
  const intruderKey = generateSm2KeyPair();
  const anchor = await connectFabricAnchor(peer.env(gateway.identity), { checkpointSignature: (cp) => signCheckpoint(cp, gateway.privateKey) });
  const intruder = await connectFabricAnchor(peer.env(peer.net.identity('intruder')), { checkpointSignature: (cp) => signCheckpoint(cp, intruderKey.privateKey) });
  const governor = await connectFabricGateway(fabricSettingsFromEnv(peer.env(peer.net.governor)));
  return {
    alg: 'sm3',
    gateway: { id: gateway.id, privateKey: gateway.privateKey, publicKey: gateway.publicKey },
    anchor,
    intruder,
    verifiesSignature: true,
    rotateKey: async (publicKey) => {
      await rotateGatewayKey(governor.port, gateway.id, publicKey);
    },
    close: async () => {
      await anchor.close();
      await intruder.close();
      governor.close();
    },
  };
}

describeAnchorConformance('Fabric adapter over fabric-gateway, TLS and signed proposals', gatewayFixture);
describeCheckpointConformance('Fabric adapter over fabric-gateway, TLS and signed proposals', gatewayFixture);

describe('connectFabricAnchor', () => {
  let peer: Peer;
  let anchor: FabricAnchor;

  beforeAll(async () => {
    peer = await startPeer();
    opened.push(peer.service);
  });

  afterAll(async () => {
    await anchor?.close();
  });

  it('acts as the identity of the files it was given', async () => {
    const identity = peer.net.identity('gateway-H330100002');
    anchor = await connectFabricAnchor(peer.env(identity));
    const me = await whoAmI(anchor.port);
    expect(me).toEqual({ mspId: 'Org1MSP', clientId: expect.stringContaining('CN=gateway-H330100002'), account: await peer.net.accountOf(identity) });
    expect(anchor).toMatchObject({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor' });
  });

  it('returns receipts whose txId is the id of the committed transaction', async () => {
    const g = await peer.net.registerGateway('H330100003');
    const a = await connectFabricAnchor(peer.env(g.identity));
    try {
      const b = makeSignedBatch('sm3', g, 0, '00'.repeat(32));
      const receipt = await a.anchor(b.header, b.signature);
      expect(peer.net.fabric.events.at(-1)).toMatchObject({ eventName: 'BatchAnchored', txId: receipt.txId });
      expect(receipt).toEqual({ chain: 'fabric', channel: 'evidence', chaincode: 'anchor', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
      // After a crash the gateway gets the same receipt back from the ledger.
      expect(await a.receiptOf(g.id, 0)).toEqual(receipt);
    } finally {
      await a.close();
    }
  });

  it('is refused when the private key does not belong to the certificate (the signature check)', async () => {
    const identity = peer.net.identity('gateway-H330100004');
    const impostor = peer.net.identity('someone-else');
    const env = peer.env({ ...identity, privateKey: impostor.privateKey });
    const a = await connectFabricAnchor(env);
    try {
      const e = await a.latest('ab'.repeat(32)).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ANCHOR_REJECTED' });
      expect((e as Error).message).toMatch(/signature over the proposal is not valid/);
    } finally {
      await a.close();
    }
  });

  it('is refused for an identity its MSP did not issue', async () => {
    const { createTestCa } = await import('@evidence/chaincode/testing');
    const rogue = createTestCa('Org1MSP').issue({ CN: 'rogue' });
    const a = await connectFabricAnchor(peer.env(rogue));
    try {
      await expectAnchorError(a.latest('ab'.repeat(32)), 'ANCHOR_REJECTED');
    } finally {
      await a.close();
    }
  });

  it('reports a peer it cannot reach, or whose TLS certificate it does not trust, as unavailable', async () => {
    const identity = peer.net.identity('gateway-H330100005');
    const { createTestCa } = await import('@evidence/chaincode/testing');
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, createTestCa('OtherMSP').certificate);
    const untrusted = await connectFabricAnchor(peer.env(identity, { FABRIC_TLS_CERT_PATH: otherCa, FABRIC_EVALUATE_TIMEOUT_MS: '2000' }));
    const nowhere = await connectFabricAnchor(peer.env(identity, { FABRIC_PEER_ENDPOINT: '127.0.0.1:1', FABRIC_EVALUATE_TIMEOUT_MS: '2000' }));
    try {
      await expectAnchorError(untrusted.latest('ab'.repeat(32)), 'ANCHOR_UNAVAILABLE');
      await expectAnchorError(nowhere.latest('ab'.repeat(32)), 'ANCHOR_UNAVAILABLE');
    } finally {
      await untrusted.close();
      await nowhere.close();
    }
  });

  it('names the setting when a file is missing or is not a key', async () => {
    const identity = peer.net.identity('gateway-H330100006');
    await expect(connectFabricAnchor(peer.env(identity, { FABRIC_KEY_PATH: join(dir, 'missing') }))).rejects.toMatchObject({ setting: 'FABRIC_KEY_PATH' });
    const notKey = join(dir, 'cert-as-key.pem');
    writeFileSync(notKey, identity.certificate);
    await expect(connectFabricAnchor(peer.env(identity, { FABRIC_KEY_PATH: notKey }))).rejects.toMatchObject({ setting: 'FABRIC_KEY_PATH' });
    await expect(connectFabricAnchor({ FABRIC_PEER_ENDPOINT: '127.0.0.1:7051' })).rejects.toMatchObject({ setting: 'FABRIC_MSP_ID' });
  });
});

describe('mutual TLS', () => {
  it('connects with a client TLS pair, and not without one', async () => {
    const peer = await startPeer({ mutualTls: true });
    opened.push(peer.service);
    const identity = peer.net.identity('gateway-H330100007');
    const tlsClient = peer.net.ca.issue({ OU: 'tls', CN: 'gateway-H330100007' });
    const files = writeMsp('tls-client', tlsClient);
    const withPair = await connectFabricAnchor(
      peer.env(identity, { FABRIC_CLIENT_TLS_CERT_PATH: join(files.cert, 'cert.pem'), FABRIC_CLIENT_TLS_KEY_PATH: join(files.key, 'priv_sk') }),
    );
    const without = await connectFabricAnchor(peer.env(identity, { FABRIC_EVALUATE_TIMEOUT_MS: '2000' }));
    try {
      expect(await withPair.latest('ab'.repeat(32))).toBeNull();
      await expectAnchorError(without.latest('ab'.repeat(32)), 'ANCHOR_UNAVAILABLE');
    } finally {
      await withPair.close();
      await without.close();
    }
  });
});
