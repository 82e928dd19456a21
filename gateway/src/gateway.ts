import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { entityId, toHex, type Anchor } from '@evidence/core';
import { selectAnchor } from './chains/index.js';
import { BullQueue } from './adapters/bullmq-queue.js';
import { LevelStore } from './adapters/level/level-store.js';
import { MemoryQueue } from './adapters/memory-queue.js';
import { AnchoringService } from './anchoring/anchoring.js';
import type { CheckpointJobStep } from './anchoring/checkpoint-job.js';
import { buildApp, type GatewayPlugin } from './app.js';
import { ClientRegistry } from './auth/clients.js';
import { NonceGuard } from './auth/nonce-guard.js';
import { Batcher } from './batching/batcher.js';
import type { GatewayConfig } from './config/schema.js';
import type { GatewayContext } from './context.js';
import { PreparePool } from './evidence/prepare-pool.js';
import { BatchLog } from './log/batch-log.js';
import { Checkpointer } from './log/checkpointer.js';
import { EvidenceService } from './evidence/service.js';
import { deliveryRetry, QUEUES, type DeliveryJob } from './jobs.js';
import { keySourceFor, type GatewayKeys, type KeySource } from './keys.js';
import { GatewayMetrics } from './metrics/metrics.js';
import type { JobQueue } from './ports/queue.js';
import { ProofService } from './proofs/proof-service.js';
import { deliveryHandler } from './subscriptions/deliver.js';
import { SubscriptionService } from './subscriptions/subscription-service.js';
import { CheckpointWrites } from './witnessing/checkpoint-writes.js';
import { hostedWitness, type HostedWitnessOptions } from './witnessing/hosted.js';
import { httpCosigner } from './witnessing/http-cosigner.js';
import { readWitnessesSetting } from './witnessing/settings.js';
import { Witnessing } from './witnessing/witnessing.js';

export interface GatewayOverrides {
  /** Use this anchor instead of the configured one (tests that share one chain client). */
  anchor?: Anchor | null;
  queue?: JobQueue;
  plugins?: readonly GatewayPlugin[];
  logger?: boolean;
  /** The hosted witness's registry and clock instead of the chain's and Date.now (tests). */
  witness?: HostedWitnessOptions;
  /** Where the keys come from instead of KEYS_FILE (a KMS or HSM adapter). */
  keySource?: KeySource;
  /** Test hooks at moments of batching and anchoring (the crash tests' entry kills the process there); a production start passes none. */
  faults?: GatewayFaults;
}

/** Moments a fault can be injected at, each called where it happens (test/gateway/support/fault-server.ts builds them). */
export interface GatewayFaults {
  /** A batch was closed on disk, before a checkpoint covers it. */
  batchClosed?: () => void;
  /** A step of the checkpoint anchoring job: before sending, sent (waiting for its block), confirmed. */
  anchorStep?: (step: CheckpointJobStep) => void;
  /** The chain's answer arrived and is about to be recorded. */
  beforeRecord?: () => void;
}

export interface Gateway {
  app: FastifyInstance;
  ctx: GatewayContext;
  keys: GatewayKeys;
  store: LevelStore;
  queue: JobQueue;
  /** Stops intake, background work and connections; durable state stays for the next start. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the data folder (keys and LevelDB), picks the
 * anchor and the queue, wires batching, anchoring, proofs and subscriptions,
 * resumes whatever a previous run left (pending leaves, un-anchored batches),
 * and builds the Fastify app. server.ts only calls this and listens.
 */
export async function createGateway(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<Gateway> {
  await mkdir(config.DATA_DIR, { recursive: true, mode: 0o700 });
  const keys = await (overrides.keySource ?? keySourceFor(config)).load();
  const store = await LevelStore.open(join(config.DATA_DIR, 'db'));
  const closers: (() => Promise<void>)[] = [() => store.close()];
  try {
    const gatewayId = toHex(entityId(config.GATEWAY_CODE));
    const selected = overrides.anchor !== undefined ? null : await selectAnchor(config);
    if (selected) closers.unshift(() => selected.close());
    const anchor = overrides.anchor !== undefined ? overrides.anchor : (selected?.anchor ?? null);
    const alg = selected?.alg ?? (anchor?.chain === 'fabric' ? 'sm3' : 'keccak256');
    const queue = overrides.queue ?? (config.REDIS_URL ? new BullQueue({ url: config.REDIS_URL, prefix: config.QUEUE_PREFIX ?? `evidence:${config.GATEWAY_CODE}` }) : new MemoryQueue());
    closers.unshift(() => queue.close());

    const clients = await ClientRegistry.fromFile(config.CLIENTS_FILE, config.DEV_TOKEN);
    const nonces = new NonceGuard(store, config.AUTH_WINDOW_MS);
    await nonces.load();

    let batcher: Batcher | null = null;
    const metrics = new GatewayMetrics(
      { gateway: config.GATEWAY_CODE },
      {
        pendingLeaves: () => batcher?.waiting ?? 0,
        queueDepth: (q) => queue.depth(q),
        queues: Object.values(QUEUES),
        heads: async () => ({ closed: (await store.head())?.seq ?? -1, anchored: await store.anchoredHead() }),
        storeStats: () => store.stats,
      },
    );
    const logger = { info: (m: string) => app.log.info(m), warn: (m: string) => app.log.warn(m), error: (m: string) => app.log.error(m) };

    const pool = new PreparePool({ gatewayId, subjectKey: keys.subjectKey }, config.INTAKE_WORKERS);
    closers.unshift(() => pool.close());
    const evidence = new EvidenceService({
      pool,
      store,
      gatewayId,
      subjectKey: keys.subjectKey,
      masterKey: keys.masterKey,
      onDurable: (leaves) => batcher!.add(leaves),
      onRecorded: (kind, n) => metrics.recorded.inc({ kind }, n),
    });
    const batchLog = await BatchLog.open(store, alg);
    const proofs = new ProofService({
      store,
      log: batchLog,
      openPayload: (r) => evidence.openPayload(r),
      retryAfterSeconds: () => Math.ceil(config.BATCH_MAX_AGE_MS / 1000) + 1,
    });
    const subscriptions = new SubscriptionService({ store, queue, proofs, gatewayId, sm2: keys.sm2 });
    // Checkpoint records are rewritten by the checkpointer, anchoring and witnessing: one write at a time, none lost.
    const checkpointWrites = new CheckpointWrites(store);
    const recordStore = checkpointWrites.guard(store);
    const witnesses = config.WITNESSES ? readWitnessesSetting(config.WITNESSES, gatewayId) : [];
    for (const w of witnesses) metrics.witnessCosignatures.inc({ witness: w.id }, 0);
    const witnessing = new Witnessing({
      witnesses,
      quorum: config.WITNESS_QUORUM,
      timeoutMs: config.WITNESS_TIMEOUT_MS,
      request: httpCosigner({ timeoutMs: config.WITNESS_TIMEOUT_MS }),
      writes: checkpointWrites,
      log: batchLog,
      logger,
      onCosigned: (w) => metrics.witnessCosignatures.inc({ witness: w.id }),
      onFailed: (w, code) => metrics.witnessFailures.inc({ witness: w.id, code }),
    });
    // A start that fails later must not leave witness requests writing into a closed store.
    closers.unshift(() => witnessing.stop());
    const faults = overrides.faults ?? {};
    const anchoring = new AnchoringService({
      store: recordStore,
      log: batchLog,
      queue,
      anchor,
      gatewayId,
      sm2: keys.sm2,
      runAnchorJobs: config.ANCHOR_WORKER === 'embedded',
      minIntervalMs: config.ANCHOR_MIN_INTERVAL_MS,
      latestCheckpoint: () => checkpointer.latest(),
      renewCheckpoint: () => checkpointer.renew(),
      logger,
      ...(faults.anchorStep ? { onJobStep: faults.anchorStep } : {}),
      ...(faults.beforeRecord ? { beforeRecord: faults.beforeRecord } : {}),
      onAnchored: async (checkpoint, firstSeq) => {
        metrics.checkpointsAnchored.inc();
        const anchoredAt = checkpoint.anchoredAt ?? Date.now();
        for (let seq = firstSeq; seq < checkpoint.checkpoint.size; seq++) {
          const batch = await store.getBatch(seq);
          if (!batch) continue;
          metrics.batchesAnchored.inc();
          metrics.ackToAnchored.observe(Math.max(0, anchoredAt - batch.oldestReceivedAt) / 1000);
          await subscriptions.batchAnchored(batch);
        }
      },
    });
    const checkpointer = new Checkpointer({
      store: recordStore,
      log: batchLog,
      gatewayId,
      sm2: keys.sm2,
      minIntervalMs: config.BATCH_MAX_AGE_MS,
      // Anchoring hears of a checkpoint once the witnesses had their WITNESS_TIMEOUT_MS for the quorum; latest(),
      // which anchoring calls before sending, signs through here too and so waits the same way, never longer.
      onSigned: async (record) => {
        metrics.checkpointsSigned.inc();
        await witnessing.collect(record);
        anchoring.checkpointSigned();
      },
      onError: (e) => logger.error(`signing a checkpoint failed, will retry: ${(e as Error).message}`),
    });
    batcher = new Batcher({
      store,
      log: batchLog,
      alg,
      gatewayId,
      sm2: keys.sm2,
      maxSize: config.BATCH_SIZE,
      maxAgeMs: config.BATCH_MAX_AGE_MS,
      rootOf: (alg, leaves) => pool.merkleRoot(alg, leaves),
      onClosed: async (batch) => {
        metrics.batchSize.observe(batch.header.size);
        metrics.batchesClosed.inc();
        faults.batchClosed?.();
        checkpointer.logGrew();
      },
      onError: (e) => logger.error(`closing a batch failed, will retry: ${(e as Error).message}`),
    });

    // Rate limits counted in Redis hold across instances; a Redis outage lets requests through (skipOnError) rather than refusing all.
    const rateLimitRedis = config.REDIS_URL ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 }) : undefined;
    if (rateLimitRedis) {
      rateLimitRedis.on('error', () => undefined);
      closers.unshift(async () => void (await rateLimitRedis.quit()));
    }
    const ctx: GatewayContext = {
      rateLimitRedis,
      config,
      code: config.GATEWAY_CODE,
      gatewayId,
      publicKey: keys.sm2.publicKey,
      alg,
      chain: anchor?.chain ?? null,
      anchor,
      evidence,
      proofs,
      batches: store,
      batchLog,
      batcher,
      anchoring,
      witnessing,
      subscriptions,
      metrics,
      clients,
      nonces,
      queueKind: queue.kind,
      serviceHandlers: new Map(),
    };
    const plugins = [...(overrides.plugins ?? [])];
    if (config.REMOTE_CONFIG) {
      // The remote-call routes (cross-institution calls through routing nodes), when configured.
      const { loadRemoteRoutes } = await import('./remote/gateway-plugin.js');
      plugins.push(await loadRemoteRoutes(config.REMOTE_CONFIG));
    }
    // WITNESS_ENABLED: this gateway also cosigns other institutions' checkpoints, with its own id and key.
    const witness = await hostedWitness(config, { id: gatewayId, ...keys.sm2 }, overrides.witness);
    if (witness) {
      closers.unshift(() => witness.close());
      plugins.push(witness.plugin);
    }
    const app = await buildApp({ ctx, plugins, logger: overrides.logger });

    // Resume: leaves acknowledged but not batched, then anchoring of closed batches.
    batcher.start(await store.head(), await store.pending());
    if (config.ANCHOR_WORKER === 'embedded') {
      queue.process<DeliveryJob>(QUEUES.deliver, deliveryHandler(config.WEBHOOK_TIMEOUT_MS, (ok) => metrics.deliveries.inc({ outcome: ok ? 'delivered' : 'failed' })), {
        concurrency: 4,
        retry: deliveryRetry(config.WEBHOOK_ATTEMPTS),
        onFailed: (job, e) => logger.warn(`webhook for subscription ${(job as DeliveryJob).subscription} given up: ${e.message}`),
      });
    }
    witnessing.resume(await store.latestCheckpoint());
    await checkpointer.start();
    anchoring.start();

    let closed = false;
    return {
      app,
      ctx,
      keys,
      store,
      queue,
      async close() {
        if (closed) return;
        closed = true;
        await app.close();
        // Requests whose clients went away may still be preparing or writing.
        await evidence.drain();
        anchoring.stop();
        await batcher!.stop();
        // Before the checkpointer: a signing waiting for the quorum returns at once.
        await witnessing.stop();
        await checkpointer.stop();
        for (const c of closers) await c().catch((e: unknown) => logger.warn(`closing: ${(e as Error).message}`));
      },
    };
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
}
