import type { BatchRecord } from '../../ledger/batches.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** An anchored batch with its signature, time and transaction id, or null. */
export function getBatchRecord(port: ChaincodePort, gateway: string, seq: number): Promise<BatchRecord | null> {
  return evaluateJson(port, DOMAINS.anchor, 'anchor:GetBatch', gateway, String(seq));
}
