/**
 * The Fabric adapter runs the one Anchor conformance suite, batches and
 * checkpoints: the real adapter, whose submit/evaluate run the real chaincode
 * (fabric-contract-api dispatch included) on the in-memory peer, with one
 * identity per adapter. The chaincode anchors only checkpoints the gateway
 * signed, so the gateway's adapter signs with the gateway's SM2 key and the
 * intruder's with a key of its own.
 */
import { generateSm2KeyPair, signCheckpoint } from '@evidence/core';
import { rotateGatewayKey } from '@evidence/chaincode';
import { createEvidenceNetwork } from '@evidence/chaincode/testing';
import { describeAnchorConformance, describeCheckpointConformance, type AnchorFixture } from '../conformance/anchor.js';

async function fixture(): Promise<AnchorFixture> {
  const net = await createEvidenceNetwork();
  const gateway = await net.registerGateway('H330100001');
  const intruderKey = generateSm2KeyPair();
  return {
    alg: 'sm3',
    gateway: { id: gateway.id, privateKey: gateway.privateKey, publicKey: gateway.publicKey },
    anchor: net.gatewayAnchor(gateway),
    intruder: net.anchorFor(net.identity('intruder'), (cp) => signCheckpoint(cp, intruderKey.privateKey)),
    verifiesSignature: true,
    rotateKey: async (publicKey) => {
      await rotateGatewayKey(net.governorPort, gateway.id, publicKey);
    },
  };
}

describeAnchorConformance('Fabric adapter', fixture);
describeCheckpointConformance('Fabric adapter', fixture);
