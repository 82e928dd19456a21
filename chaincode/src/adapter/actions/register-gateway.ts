import type { GatewayKeyRecord, GatewayRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Registers a gateway bound to `account`, its first SM2 key valid from seq 0 (governor only). With `code`, `id` must be SM3(code). */
export function registerGateway(port: ChaincodePort, gateway: { id: string; code?: string; publicKey: string; account: string }): Promise<GatewayRecord & { keys: GatewayKeyRecord[] }> {
  return submitJson(port, DOMAINS.registry, 'registry:RegisterGateway', JSON.stringify(gateway));
}
