import type { GatewayRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Binds a gateway to another identity's account (governor only). */
export function setGatewayAccount(port: ChaincodePort, id: string, account: string): Promise<GatewayRecord> {
  return submitJson(port, DOMAINS.registry, 'registry:SetGatewayAccount', id, account);
}
