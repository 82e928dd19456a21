import type { Anchor, HashAlg } from '@evidence/core';
import type { GatewayConfig } from '../config/schema.js';
import type { Registries } from '../ports/registries.js';

/** An anchor adapter as the gateway holds it: the port, plus how to release it. */
export interface SelectedAnchor {
  anchor: Anchor;
  alg: HashAlg;
  close(): Promise<void>;
}

/**
 * What a chain gives the gateway, behind the ports: the anchor checkpoints go
 * to and the registries beside it (consents, credentials). Each chain is one
 * folder (chains/evm, chains/fabric) exporting one of these; chains/index.ts
 * lists them.
 */
export interface ChainBackend {
  /** The batch tree's hash (spec: keccak256 on EVM, sm3 on Fabric). */
  alg: HashAlg;
  openAnchor(config: GatewayConfig, env: Readonly<Record<string, string | undefined>>): Promise<SelectedAnchor>;
  /** The registries (consents, credentials), writing as the gateway's chain identity; absent where the chain has none in the gateway. */
  openRegistries?(config: GatewayConfig, env: Readonly<Record<string, string | undefined>>): Promise<Registries>;
}

export type RegistryNeed = 'consent' | 'credential';

/** A chain as the settings check sees it before anything is loaded: the problems with its settings, and how to load it. */
export interface ChainEntry {
  /** Settings this chain needs that are missing or wrong (checked at start, without loading the chain's libraries). */
  settingsProblems(config: GatewayConfig, env: Readonly<Record<string, string | undefined>>): string[];
  /** The settings the registries need that are missing, or an empty list; absent when the chain has no registries in the gateway. */
  registryProblems?(config: GatewayConfig, need: RegistryNeed, env: Readonly<Record<string, string | undefined>>): string[];
  /** Loads the chain's client libraries (only for a gateway configured for it). */
  load(): Promise<ChainBackend>;
}
