// The witness of gateways' checkpoints (spec section 10): mounted in every
// routing node, and run alone by a regulator or a court (server.ts).
export type { CosignRequest, ForkEvidence, ForkReason, GatewayKeys, SignedCheckpoint, Witnessed, WitnessIdentity } from './types.js';
export { WITNESS_ERRORS, WitnessError, isWitnessError, witnessErrorBody, type WitnessErrorBody, type WitnessErrorCode } from './errors.js';
export { cosign, checkRequest, forkMessage, MAX_PROOF, type CosignDeps, type CosignOutcome } from './cosign.js';
export { forkKey, type WitnessStore } from './store.js';
export { MemoryWitnessStore } from './store-memory.js';
export { LevelWitnessStore } from './store-level.js';
export { cachedGatewayKeys, directoryGatewayKeys, keySourceGatewayKeys } from './gateway-keys.js';
export { Witness, DEFAULT_TOLERANCE_MS, type WitnessOptions, type WitnessInfo } from './witness.js';
export { hostedWitness, WITNESS_DIR, type HostedWitnessOptions } from './hosted.js';
export { witnessRoutes } from './routes.js';
export { buildWitnessServer, standaloneWitness } from './app.js';
export { witnessErrorHandler, toWitnessError } from './error-handler.js';
export * from './schemas.js';
