/**
 * Test support for the chaincode, exported as @evidence/chaincode/testing: an
 * in-memory peer running the real contracts, and a CA for test identities.
 * Never used by the chaincode or the adapter themselves.
 */
export { InMemoryFabric, type CommittedEvent, type InMemoryContract, type InMemoryFabricOptions, type NetworkIdentity } from './network.js';
export { InMemoryStub, type ProposalContext, type RangeRead, type Simulation } from './stub.js';
export { WorldState, type Version, type VersionedValue } from './world-state.js';
export { createTestCa, isIssuedBy, privateKeyOf, FABRIC_ATTRS_OID, type DistinguishedName, type TestCa, type TestIdentity } from './certificates.js';
export { createEvidenceNetwork, type EvidenceNetwork, type RegisteredGateway } from './evidence-network.js';
