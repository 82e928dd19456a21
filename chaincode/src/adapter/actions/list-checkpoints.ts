import type { CheckpointRecord } from '../../ledger/checkpoints.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Up to `limit` (1..100) anchored checkpoints of a gateway in anchoring order, from position `from`. */
export function listCheckpoints(port: ChaincodePort, gateway: string, from: number, limit: number): Promise<CheckpointRecord[]> {
  return evaluateJson(port, DOMAINS.anchor, 'anchor:ListCheckpoints', gateway, String(from), String(limit));
}
