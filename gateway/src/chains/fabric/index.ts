import type { ChainBackend } from '../backend.js';
import { openFabricAnchor } from './anchor.js';

/**
 * Hyperledger Fabric: the evidence chaincode through the Fabric Gateway
 * (@evidence/chaincode). Its consent and credential contracts are not yet
 * behind the Registries port here: a Fabric-anchored gateway uses EVM's.
 */
export const fabric: ChainBackend = {
  alg: 'sm3',
  openAnchor: async (_config, env) => openFabricAnchor(env),
};
