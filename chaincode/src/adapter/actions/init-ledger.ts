import type { RegistryConfig } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Makes the caller the registry's governor; once, right after the chaincode is committed. */
export function initLedger(port: ChaincodePort): Promise<RegistryConfig> {
  return submitJson(port, DOMAINS.registry, 'registry:InitLedger');
}
