import type { NodeKeyRecord, NodeRecord } from '../../ledger/registry.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A routing node with its key history, or null. */
export function getNode(port: ChaincodePort, id: string): Promise<(NodeRecord & { keys: NodeKeyRecord[] }) | null> {
  return evaluateJson(port, DOMAINS.registry, 'registry:GetNode', id);
}
