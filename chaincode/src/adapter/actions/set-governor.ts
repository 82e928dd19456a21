import type { RegistryConfig } from '../../ledger/registry.js';
import { submitJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** Hands the governor role to another account (governor only). */
export function setGovernor(port: ChaincodePort, account: string): Promise<RegistryConfig> {
  return submitJson(port, DOMAINS.registry, 'registry:SetGovernor', account);
}
