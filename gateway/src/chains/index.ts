import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { Registries } from '../ports/registries.js';
import type { ChainEntry, RegistryNeed, SelectedAnchor } from './backend.js';
import { evmRegistryProblems, evmSettingsProblems } from './evm/settings.js';
import { fabricRegistryProblems, fabricSettingsProblems } from './fabric/settings.js';
import type { ChainName } from './names.js';

export type { ChainBackend, RegistryNeed, SelectedAnchor } from './backend.js';
export { CHAIN_NAMES, type ChainName } from './names.js';

/**
 * Every chain a gateway can anchor on. Adding a chain is a folder beside
 * evm/ and fabric/ (its settings, anchor, receipts and registries, behind the
 * ports), its name in names.ts and one line here. Each chain's libraries are
 * imported only when the gateway is configured for it.
 */
export const CHAINS: Readonly<Record<ChainName, ChainEntry>> = {
  evm: { settingsProblems: evmSettingsProblems, registryProblems: evmRegistryProblems, load: async () => (await import('./evm/index.js')).evm },
  fabric: { settingsProblems: fabricSettingsProblems, registryProblems: fabricRegistryProblems, load: async () => (await import('./fabric/index.js')).fabric },
};

type Env = Readonly<Record<string, string | undefined>>;

/** The configured chain's settings problems (none for ANCHOR=none). */
export function chainSettingsProblems(config: GatewayConfig, env: Env = process.env): string[] {
  return config.ANCHOR === 'none' ? [] : CHAINS[config.ANCHOR].settingsProblems(config, env);
}

/**
 * Builds the configured Anchor (spec: the batch alg follows the anchor,
 * keccak256 on EVM, sm3 on Fabric); null for ANCHOR=none.
 */
export async function selectAnchor(config: GatewayConfig, env: Env = process.env): Promise<SelectedAnchor | null> {
  if (config.ANCHOR === 'none') return null;
  return (await CHAINS[config.ANCHOR].load()).openAnchor(config, env);
}

/**
 * The chain whose registries the gateway uses: the one it anchors on (EVM's
 * ConsentRegistry and CredentialRegistry, or the chaincode's contracts on
 * Fabric); a gateway anchoring nowhere may still use EVM's, whose settings are
 * apart from the anchor's.
 */
function registryChain(config: GatewayConfig): ChainEntry {
  const anchored: ChainEntry | undefined = config.ANCHOR === 'none' ? undefined : CHAINS[config.ANCHOR];
  return anchored?.registryProblems ? anchored : CHAINS.evm;
}

/** CHAIN_NOT_CONFIGURED naming the settings missing for the `need` registry. */
export function assertRegistry(config: GatewayConfig, need: RegistryNeed, env: Env = process.env): void {
  const missing = registryChain(config).registryProblems!(config, need, env);
  if (missing.length > 0) {
    throw new GatewayError('CHAIN_NOT_CONFIGURED', `this gateway has no ${need} registry: set ${missing.join(', ')} / 未配置链上登记合约`);
  }
}

/** The registries (loads the chain's client libraries); check each need first with assertRegistry. */
export async function openRegistries(config: GatewayConfig, env: Env = process.env): Promise<Registries> {
  return (await registryChain(config).load()).openRegistries!(config, env);
}
