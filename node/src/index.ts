// @evidence/node: the service routing device (路由设备) and the pieces a
// gateway shares with it (forwarding protocol, chain checks, key sources).
export * from './errors.js';
export * from './config.js';
export * from './directory/directory.js';
export { DirectoryFile } from './directory/directory-file.js';
export * from './keys/key-source.js';
export { prepareFastKey } from './keys/fast-key.js';
export { loadOrCreateKey, KEY_FILE } from './keys/key-file.js';
export { openKeySource } from './keys/open.js';
export * from './routing/destination.js';
export { RouteTable, preferred, type Route } from './routing/route-table.js';
export { exportRoutes, type Advertised, type Announcement, type RouteDelta, type NeighbourRole } from './routing/export.js';
export { checkChain, checkChainOn, passesCheapChecks, type ChainCheck, type ForwardedRequest } from './forward/chain.js';
export { SignaturePool, sharedSignaturePool, defaultVerifyWorkers, type VerifyOptions } from './verify/signature-pool.js';
export { appendFields, appendHop, originFields, originHop, ZERO_ID, type HopSigner } from './forward/hops.js';
export { signAhead, SM2_HOPS, UNSIGNED_HOPS_FOR_BENCHMARKS, type HopCrypto } from './forward/hop-crypto.js';
export * from './forward/protocol.js';
export { requestContext, responseContext, splitSealed, withSignature, checkSealedRequest, envelopeMismatch, sealedResponseProblem } from './forward/sealed.js';
export { CHECKS, checksMade, envelopeOnPool, sealedOrClear, type CheckName } from './forward/checks.js';
export { loadTls, mutualTlsServerOptions, tlsPeerId, type TlsFiles, type TlsMaterial } from './tls/tls-files.js';
export { HttpClient, TransportError, type TransportFailure, type HttpAnswer, type PostOptions, type LinkOptions } from './http/client.js';
export { routingErrorHandler, toRoutingError, type ErrorHandler } from './http/error-handler.js';
export { signBody, verifyBody, SIGNER_HEADER, SIGNATURE_HEADER } from './peers/signed-body.js';
export { PublishSchema, PeerUpdateSchema, type Publish, type PeerUpdate } from './peers/messages.js';
export { TraceStore, traceDocument, type TraceDocument, type StoredTrace, type Refusal } from './traces/store.js';
export { RoutingNode, type RoutingNodeOptions, type Log } from './routing-node.js';
export { nodeApp, buildNodeServer, type NodeAppOptions } from './app.js';
