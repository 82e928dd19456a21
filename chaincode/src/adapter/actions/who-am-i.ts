import type { Caller } from '../../ledger/identity.js';
import { evaluateJson } from '../call.js';
import { DOMAINS } from '../errors.js';
import type { ChaincodePort } from '../port.js';

/** The caller's MSP id, X.509 identity and account, as the chaincode sees them: give the account to the governor to be registered. */
export function whoAmI(port: ChaincodePort): Promise<Caller> {
  return evaluateJson(port, DOMAINS.registry, 'registry:WhoAmI');
}
