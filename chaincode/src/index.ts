// @evidence/chaincode: the Fabric chaincode (contracts, as fabric-contract-api
// expects them from a chaincode's main module) and the fabric-gateway adapter
// of the core's Anchor port. The chaincode server (fabric-shim) is the separate
// entry @evidence/chaincode/server; test support (chaincode/test/support, not shipped) is @evidence/chaincode/testing.
export { contracts, AnchorContract, ClaimsContract, ConsentContract, CredentialsContract, RegistryContract } from './contracts/index.js';
export { accountOf, type Caller } from './ledger/identity.js';
export { CHAINCODE_ONLY_CODES, type ChaincodeErrorCode, type ChaincodeOnlyCode } from './ledger/errors.js';
export type { BatchRecord, HeadRecord } from './ledger/batches.js';
export type { CheckpointRecord } from './ledger/checkpoints.js';
export type { BundleV2Verification, BundleStep, BundleStepOutcome } from './ledger/bundle-v2.js';
export type { GatewayKeyRecord, GatewayRecord, NodeKeyRecord, NodeRecord, RegistryConfig } from './ledger/registry.js';
export type { ConsentRecord, ConsentStatus } from './ledger/consents.js';
export type { ClaimPolicy, ClaimRecord } from './contracts/claims.js';
export { CREDENTIAL_ROLE_NAMES, type LedgerCredential, type CredentialRole, type CredentialStatus, type CredentialStatusAt } from './ledger/credentials.js';
export * from './adapter/index.js';
export { buildCcaasPackage, connectionJson, readCcaasPackage, type CcaasPackageOptions, type ConnectionJson, type MetadataJson } from './ccaas/package.js';
