import type { GatewayConfig } from '../../config/schema.js';

export function fabricSettingsProblems(c: GatewayConfig): string[] {
  return c.FABRIC_PEER_ENDPOINT ? [] : ['FABRIC_PEER_ENDPOINT: required when ANCHOR=fabric (with the other FABRIC_* settings)'];
}

/** The registries are the chaincode's, reached with the anchor's settings. */
export function fabricRegistryProblems(c: GatewayConfig): string[] {
  return c.FABRIC_PEER_ENDPOINT ? [] : ['FABRIC_PEER_ENDPOINT'];
}
