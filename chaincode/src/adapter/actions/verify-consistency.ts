import { toHex } from '@evidence/core';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Whether an SM3 consistency proof shows the log of size `second` with `secondRoot` extends the one of size `first` with `firstRoot`, checked on a peer. */
export function verifyConsistencyProof(
  port: ChaincodePort,
  first: number,
  second: number,
  firstRoot: string,
  secondRoot: string,
  proof: readonly Uint8Array[],
): Promise<boolean> {
  return evaluateJson(port, DOMAINS.anchor, 'anchor:VerifyConsistency', String(first), String(second), firstRoot, secondRoot, JSON.stringify(proof.map(toHex)));
}
