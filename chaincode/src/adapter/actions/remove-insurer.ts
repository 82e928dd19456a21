import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Removes an insurer; its verified claims stay on record (governor only). */
export function removeInsurer(port: ChaincodePort, insurer: string): Promise<{ insurer: string; removed: true }> {
  return submitJson(port, DOMAINS.claims, 'claims:RemoveInsurer', insurer);
}
