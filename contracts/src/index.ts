// @evidence/contracts: the EVM side of evidence anchoring. Solidity sources are
// in ../solidity; this is the ethers v6 adapter, the governance and registry
// actions (one per file), deployment, and a local Hardhat chain for development.
export { createEvmAnchor, type EvmAnchor, type EvmAnchorOptions } from './evm-anchor.js';
export { openConnection, type Connected, type Connection, type ConnectionOptions } from './connection.js';
export { ContractRevertError, decodeRevert, toEvidenceError } from './errors.js';
export { CONTRACT_NAMES, contractInterface, loadArtifact, type ContractName, type Artifact } from './artifacts.js';
export { leafTuple, logTuple, proofTuple, type EvidenceLocation, type LogLocation } from './hex.js';
export { TransactionSender, senderFor } from './sender.js';

export type { ReadClient, TxRef, WriteClient } from './actions/client.js';
export { registerGateway, type RegisterGatewayParams } from './actions/register-gateway.js';
export { registerNode, type RegisterNodeParams } from './actions/register-node.js';
export { rotateGatewayKey } from './actions/rotate-gateway-key.js';
export { rotateNodeKey } from './actions/rotate-node-key.js';
export { setParticipantAccount } from './actions/set-participant-account.js';
export { setParticipantActive } from './actions/set-participant-active.js';
export { registerWitness, type RegisterWitnessParams } from './actions/register-witness.js';
export { setWitness } from './actions/set-witness.js';
export { listWitnesses, type WitnessEntry } from './actions/list-witnesses.js';
export { grantConsent, type GrantConsentParams } from './actions/grant-consent.js';
export { revokeConsent, type RevokeConsentParams } from './actions/revoke-consent.js';
export { consentStatus, type ConsentState, type ConsentStatus } from './actions/consent-status.js';
export { setInsurerPolicy } from './actions/set-insurer-policy.js';
export { submitClaim, type ClaimItem, type ClaimVerdict, type SubmitClaimParams } from './actions/submit-claim.js';
export { issueCredential, type IssueCredentialParams } from './actions/issue-credential.js';
export { suspendCredential } from './actions/suspend-credential.js';
export { reinstateCredential } from './actions/reinstate-credential.js';
export { revokeCredential } from './actions/revoke-credential.js';
export { credentialStatus, type CredentialState } from './actions/credential-status.js';
export { credentialOf, type CredentialRecord } from './actions/credential-of.js';
export { CREDENTIAL_ROLES, type CredentialRole } from './actions/credential-roles.js';
export { kindsMask, kindsOf } from './actions/kinds-mask.js';

export { deployAll, type DeployAllOptions } from './deploy/deploy-all.js';
export { loadDeployment, parseDeployment, saveDeployment, type Deployment } from './deploy/deployment.js';

export { startLocalChain, type LocalChain, type LocalChainOptions } from './local-chain/start-local-chain.js';
export { createInProcessChain, type InProcessChain } from './local-chain/in-process.js';
export { localAccounts, LOCAL_CHAIN_ID, LOCAL_CHAIN_MNEMONIC, type LocalAccount } from './local-chain/accounts.js';

export * from './insurer/index.js';
