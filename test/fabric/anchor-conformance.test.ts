/**
 * The Fabric adapter runs the one Anchor conformance suite: the real adapter,
 * whose submit/evaluate run the real chaincode (fabric-contract-api dispatch
 * included) on the in-memory peer, with one identity per adapter.
 */
import { rotateGatewayKey } from '@evidence/chaincode';
import { createEvidenceNetwork } from '@evidence/chaincode/testing';
import { describeAnchorConformance } from '../conformance/anchor.js';

describeAnchorConformance('Fabric adapter', async () => {
  const net = await createEvidenceNetwork();
  const gateway = await net.registerGateway('H330100001');
  const intruder = net.identity('intruder');
  return {
    alg: 'sm3',
    gateway: { id: gateway.id, privateKey: gateway.privateKey, publicKey: gateway.publicKey },
    anchor: net.anchorFor(gateway.identity),
    intruder: net.anchorFor(intruder),
    verifiesSignature: true,
    rotateKey: async (publicKey) => {
      await rotateGatewayKey(net.governorPort, gateway.id, publicKey);
    },
  };
});
