export type { ChaincodeLocation, ChaincodePort, EvaluateFn, SubmitFn } from './port.js';
export {
  createFabricAnchor,
  type CheckpointSignatureSource,
  type FabricAnchor,
  type FabricAnchorOptions,
  type OnlineBundleVerification,
} from './fabric-anchor.js';
export { connectFabricAnchor, connectFabricGateway, type FabricConnection } from './connect.js';
export { DEFAULT_TIMEOUTS, fabricSettingsFromEnv, FabricSettingsError, hasFabricSettings, readPem, type FabricSettings } from './settings.js';
export { ChaincodeRefusalError, DOMAINS, findRefusal, toEvidenceError, type ErrorDomain } from './errors.js';
export * from './actions/index.js';
