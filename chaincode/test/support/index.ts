/**
 * Test support for the chaincode, exported as @evidence/chaincode/testing (under
 * the "source" condition only: it lives beside the tests and is not built into
 * dist, so the shipped package holds no simulator): an
 * in-memory peer running the real contracts (in process, or through the
 * chaincode server over the peer-chaincode protocol), and a CA for test
 * identities. Never used by the chaincode or the adapter themselves.
 */
export {
  InMemoryFabric,
  localEndorser,
  type CommittedEvent,
  type Endorsed,
  type ProposalOutcome,
  type ValidationCode,
  type Endorser,
  type EndorserResponse,
  type InMemoryContract,
  type InMemoryFabricOptions,
  type NetworkIdentity,
} from './network.js';
export { InMemoryStub, type ProposalContext } from './stub.js';
export { Simulator, validateWriteKey, type RangeRead, type Simulation } from './simulation.js';
export { WorldState, type Version, type VersionedValue } from './world-state.js';
export { createTestCa, isIssuedBy, privateKeyOf, FABRIC_ATTRS_OID, type DistinguishedName, type TestCa, type TestIdentity } from './certificates.js';
export { createEvidenceNetwork, refusalOf, type AnchoredLeaves, type EvidenceNetwork, type EvidenceNetworkOptions, type RegisteredGateway } from './evidence-network.js';
export { ChaincodeStreamPeer } from './chaincode-stream-peer.js';
export { TestBatchLog, type LogSigner, type SignedCheckpoint } from './batch-log.js';
export { FabricGatewayService, type GatewayServiceOptions } from './gateway-service.js';
