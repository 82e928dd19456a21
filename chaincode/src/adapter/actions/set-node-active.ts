import type { NodeRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Deactivates or reactivates a routing node (governor only). */
export function setNodeActive(port: ChaincodePort, id: string, active: boolean): Promise<NodeRecord> {
  return submitJson(port, DOMAINS.registry, 'registry:SetNodeActive', id, String(active));
}
