import type { BatchRecord } from '../../ledger/batches.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Up to `limit` (1..100) anchored batches of a gateway from `fromSeq` on. */
export function listBatches(port: ChaincodePort, gateway: string, fromSeq: number, limit: number): Promise<BatchRecord[]> {
  return evaluateJson(port, DOMAINS.anchor, 'anchor:ListBatches', gateway, String(fromSeq), String(limit));
}
