import { AnchorContract } from './anchor.js';
import { ClaimsContract } from './claims.js';
import { ConsentContract } from './consent.js';
import { CredentialsContract } from './credentials.js';
import { RegistryContract } from './registry.js';

export { AnchorContract, ClaimsContract, ConsentContract, CredentialsContract, RegistryContract };

/**
 * The contracts of this chaincode, as fabric-contract-api expects them from a
 * chaincode's main module. The first is the default: "Anchor" alone means
 * "anchor:Anchor"; every other transaction is called "<contract>:<name>".
 */
export const contracts = [AnchorContract, RegistryContract, ConsentContract, ClaimsContract, CredentialsContract];
