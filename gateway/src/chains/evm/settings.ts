import type { GatewayConfig } from '../../config/schema.js';
import type { RegistryNeed } from '../backend.js';

/** An EVM gateway's chain settings, read from its configuration. */
export interface EvmSettings {
  rpcUrl: string;
  /** EvidenceAnchor's address. */
  contract: string;
  /** The gateway's account key, 0x-prefixed. */
  privateKey: string;
  /** Deployment block: where to look for past events. */
  fromBlock: number;
  consentRegistry: string | undefined;
  credentialRegistry: string | undefined;
}

export function evmSettings(c: GatewayConfig): EvmSettings {
  const key = c.EVM_PRIVATE_KEY ?? '';
  return {
    rpcUrl: c.EVM_RPC_URL ?? '',
    contract: c.EVM_CONTRACT ?? '',
    privateKey: key.startsWith('0x') ? key : `0x${key}`,
    fromBlock: c.EVM_FROM_BLOCK,
    consentRegistry: c.EVM_CONSENT_REGISTRY,
    credentialRegistry: c.EVM_CREDENTIAL_REGISTRY,
  };
}

export function evmSettingsProblems(c: GatewayConfig): string[] {
  return (['EVM_RPC_URL', 'EVM_CONTRACT', 'EVM_PRIVATE_KEY'] as const).filter((key) => !c[key]).map((key) => `${key}: required when ANCHOR=evm`);
}

export function evmRegistryProblems(c: GatewayConfig, need: RegistryNeed): string[] {
  const registry = need === 'consent' ? 'EVM_CONSENT_REGISTRY' : 'EVM_CREDENTIAL_REGISTRY';
  return (['EVM_RPC_URL', 'EVM_PRIVATE_KEY', registry] as const).filter((key) => !c[key]);
}
