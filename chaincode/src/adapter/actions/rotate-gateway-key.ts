import type { GatewayKeyRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Rotates a gateway's SM2 key from the batch after its latest anchored one (governor only). */
export function rotateGatewayKey(port: ChaincodePort, id: string, publicKey: string): Promise<GatewayKeyRecord> {
  return submitJson(port, DOMAINS.registry, 'registry:RotateGatewayKey', id, publicKey);
}
