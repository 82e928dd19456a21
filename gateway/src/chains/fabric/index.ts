import type { ChainBackend } from '../backend.js';
import { openFabricAnchor } from './anchor.js';
import { openFabricRegistries } from './registries.js';

/** Hyperledger Fabric: the evidence chaincode (anchor, consents, credentials) through the Fabric Gateway (@evidence/chaincode). */
export const fabric: ChainBackend = {
  alg: 'sm3',
  openAnchor: async (_config, env) => openFabricAnchor(env),
  openRegistries: async (_config, env) => openFabricRegistries(env),
};
