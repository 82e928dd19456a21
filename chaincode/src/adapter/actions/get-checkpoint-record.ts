import type { CheckpointRecord } from '../../ledger/checkpoints.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** A gateway's anchored checkpoint of this log size with its signature, time and transaction id, or null. */
export function getCheckpointRecord(port: ChaincodePort, gateway: string, size: number): Promise<CheckpointRecord | null> {
  return evaluateJson(port, DOMAINS.anchor, 'anchor:GetCheckpoint', gateway, String(size));
}
