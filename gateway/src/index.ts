// @evidence/gateway: the service opening device (服务开放设备). Records
// evidence, batches it, signs and anchors batch headers, serves proofs.
export { createGateway, type Gateway, type GatewayFaults, type GatewayOverrides } from './gateway.js';
export { buildApp, gatewayApp, ROUTE_PLUGINS, type AppOptions, type GatewayPlugin } from './app.js';
export type { GatewayContext } from './context.js';
export { loadConfig, ConfigError } from './config/load.js';
export { ConfigSchema, type GatewayConfig } from './config/schema.js';
export { fileKeySource, keySourceFor, loadOrCreateKeyFile, loadOrCreateKeys, type GatewayKeys, type KeySource } from './keys.js';
export { GATEWAY_NODE_OPTIONS, INTAKE_WORKER_LIMITS } from './runtime.js';
export { GatewayError, isGatewayError, statusOf, type GatewayErrorCode } from './errors.js';
export { EvidenceService, type RecordInput, type Recorded, type Subject } from './evidence/service.js';
export { PAYLOAD_SCHEMAS, assertPayload } from './evidence/kinds/index.js';
export { EXAMPLE_PAYLOADS } from './evidence/kinds/examples.js';
export { ProofService, type EvidenceStatus } from './proofs/proof-service.js';
export { ROLES, ROLE_PERMISSIONS, type Role, type Permission } from './auth/roles.js';
export { ClientRegistry, tokenDigest, type Client } from './auth/clients.js';
export { signRequest, signedRequestHeaders, canonicalRequest, BODY_DIGEST_HEADER, SCHEME as SIGNED_REQUEST_SCHEME } from './auth/request-signature.js';
export { signWebhook, verifyWebhook, WEBHOOK_HEADERS } from './subscriptions/webhook-signature.js';
export type { JobQueue, JobHandler, RetryPolicy } from './ports/queue.js';
export type { GatewayStore, EvidenceStore, BatchStore, EvidenceRecord, BatchRecord } from './ports/store.js';
export { MemoryQueue } from './adapters/memory-queue.js';
export { BullQueue } from './adapters/bullmq-queue.js';
export { LevelStore } from './adapters/level/level-store.js';
export { remotePlugin, remoteRoutes, loadRemoteRoutes, parseRemoteConfig, remoteSettings, SUBJECT_HEADER, type RemoteOptions, type RemoteHandle, type RemoteSettings, type RemoteConfigFile } from './remote/index.js';
