import type { NodeKeyRecord, NodeRecord } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Registers a routing node bound to `account`, its hop-signing key valid from now (governor only). */
export function registerNode(port: ChaincodePort, node: { id: string; code?: string; publicKey: string; account: string }): Promise<NodeRecord & { keys: NodeKeyRecord[] }> {
  return submitJson(port, DOMAINS.registry, 'registry:RegisterNode', JSON.stringify(node));
}
