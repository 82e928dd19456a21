import type { GatewayKeyRecord, GatewayRecord } from '../../ledger/registry.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A gateway with its key history, or null. */
export function getGateway(port: ChaincodePort, id: string): Promise<(GatewayRecord & { keys: GatewayKeyRecord[] }) | null> {
  return evaluateJson(port, DOMAINS.registry, 'registry:GetGateway', id);
}
