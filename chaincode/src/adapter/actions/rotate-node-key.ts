import type { NodeKeyRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Rotates a routing node's hop-signing key from now on (governor only). */
export function rotateNodeKey(port: ChaincodePort, id: string, publicKey: string): Promise<NodeKeyRecord> {
  return submitJson(port, DOMAINS.registry, 'registry:RotateNodeKey', id, publicKey);
}
