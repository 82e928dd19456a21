import type { Redis } from 'ioredis';
import type { Anchor, HashAlg } from '@evidence/core';
import type { AnchoringService } from './anchoring/anchoring.js';
import type { ClientRegistry } from './auth/clients.js';
import type { NonceGuard } from './auth/nonce-guard.js';
import type { Batcher } from './batching/batcher.js';
import type { GatewayConfig } from './config/schema.js';
import type { EvidenceService } from './evidence/service.js';
import type { GatewayMetrics } from './metrics/metrics.js';
import type { BatchLog } from './log/batch-log.js';
import type { BatchStore, LogStore } from './ports/store.js';
import type { ProofService } from './proofs/proof-service.js';
import type { ServiceHandler } from './remote/service-handler.js';
import type { SubscriptionService } from './subscriptions/subscription-service.js';
import type { Witnessing } from './witnessing/witnessing.js';

/** Everything the HTTP layer needs, built once by createGateway and handed to each route plugin. */
export interface GatewayContext {
  config: GatewayConfig;
  code: string;
  gatewayId: string;
  publicKey: string;
  alg: HashAlg;
  chain: 'evm' | 'fabric' | null;
  /** The anchor checkpoints go to, for reading the chain (audit); null when ANCHOR=none. */
  anchor: Anchor | null;
  evidence: EvidenceService;
  proofs: ProofService;
  batches: BatchStore & LogStore;
  /** The batch log: checkpoints' roots and the monitor API's proofs. */
  batchLog: BatchLog;
  batcher: Batcher;
  anchoring: AnchoringService;
  /** Witnesses cosigning checkpoints (WITNESSES): their state for /healthz. */
  witnessing: Witnessing;
  subscriptions: SubscriptionService;
  metrics: GatewayMetrics;
  clients: ClientRegistry;
  nonces: NonceGuard;
  queueKind: string;
  /** Rate-limit counters shared by every instance (REDIS_URL); in process when absent. */
  rateLimitRedis?: Redis;
  /** Published remote services the gateway answers itself (filled by route plugins, read by the remote-call plugin). */
  serviceHandlers: Map<string, ServiceHandler>;
  /** Whether this instance sequences now (always, on LevelDB; the lease holder among instances on PostgreSQL). */
  sequencing: { readonly isSequencer: boolean; readonly epoch: number | null };
}
