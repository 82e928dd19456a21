import type { GatewayConfig } from '../../config/schema.js';

export function fabricSettingsProblems(c: GatewayConfig): string[] {
  return c.FABRIC_PEER_ENDPOINT ? [] : ['FABRIC_PEER_ENDPOINT: required when ANCHOR=fabric (with the other FABRIC_* settings)'];
}
