import type { ChainBackend } from '../backend.js';
import { openEvmAnchor } from './anchor.js';
import { openEvmRegistries } from './registries.js';
import { evmSettings } from './settings.js';

/** EVM: EvidenceAnchor, ConsentRegistry and CredentialRegistry through @evidence/contracts (ethers). */
export const evm: ChainBackend = {
  alg: 'keccak256',
  openAnchor: async (config) => openEvmAnchor(evmSettings(config)),
  openRegistries: async (config) => openEvmRegistries(evmSettings(config)),
};
