import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Whether a root is the root of an anchored batch, and of which. */
export function isRootAnchored(port: ChaincodePort, root: string): Promise<{ anchored: boolean; gateway?: string; seq?: number }> {
  return evaluateJson(port, DOMAINS.anchor, 'anchor:IsRootAnchored', root);
}
