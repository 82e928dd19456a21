import type { GatewayRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Deactivates or reactivates a gateway (governor only). */
export function setGatewayActive(port: ChaincodePort, id: string, active: boolean): Promise<GatewayRecord> {
  return submitJson(port, DOMAINS.registry, 'registry:SetGatewayActive', id, String(active));
}
