/**
 * @evidence/chaincode/server: the chaincode process (fabric-shim). Kept apart
 * from the package's main entry, which the gateway loads for the adapter:
 * fabric-shim and fabric-gateway bring two versions of @hyperledger/fabric-protos
 * whose generated classes share one global namespace, and a process that loads
 * both gets classes of mixed versions.
 */
import '../logging.js';
export { createChaincode, CHAINCODE_TITLE, CHAINCODE_VERSION, type ChaincodeOptions } from '../chaincode.js';
export { ccaasSettingsFromEnv, CcaasSettingsError, DEFAULT_MAX_CLOCK_SKEW_MS, startChaincodeServer, type CcaasServerSettings, type RunningChaincodeServer } from './server.js';
