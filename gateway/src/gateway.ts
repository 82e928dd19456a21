import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { entityId, toHex, type Anchor } from '@evidence/core';
import { selectAnchor } from './chains/index.js';
import { BullQueue } from './adapters/bullmq-queue.js';
import { LevelStore } from './adapters/level/level-store.js';
import { PgLease } from './adapters/postgres/pg-lease.js';
import { PgStore } from './adapters/postgres/pg-store.js';
import { PendingFeed } from './sequencing/pending-feed.js';
import { SequencerRole } from './sequencing/role.js';
import { MemoryQueue } from './adapters/memory-queue.js';
import { AnchoringService } from './anchoring/anchoring.js';
import type { CheckpointJobStep } from './anchoring/checkpoint-job.js';
import { buildApp, type GatewayPlugin } from './app.js';
import { ClientRegistry } from './auth/clients.js';
import { consentScopeOf } from './auth/consent-scope.js';
import { NonceGuard } from './auth/nonce-guard.js';
import { Batcher } from './batching/batcher.js';
import type { GatewayConfig } from './config/schema.js';
import type { GatewayContext } from './context.js';
import { threadRoots } from './adapters/batch-roots/root-threads.js';
import { ThreadIntake } from './adapters/intake-threads/thread-intake.js';
import { BatchLog } from './log/batch-log.js';
import { Checkpointer } from './log/checkpointer.js';
import { EvidenceService } from './evidence/service.js';
import { deliveryRetry, QUEUES, type DeliveryJob } from './jobs.js';
import { keySourceFor, type GatewayKeys, type KeySource } from './keys.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { listenMetrics } from './metrics/metrics-listener.js';
import type { JobQueue } from './ports/queue.js';
import { ProofService } from './proofs/proof-service.js';
import { deliveryHandler } from './subscriptions/deliver.js';
import { SubscriptionService } from './subscriptions/subscription-service.js';
import { parseWebhookAllow } from './subscriptions/webhook-target.js';
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
  /** STORE=postgres: what to do once another instance took the sequencer lease (default: exit 75 for the supervisor to start a follower). */
  onSequencerLost?: (reason: string) => void;
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
  store: LevelStore | PgStore;
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
  const store =
    config.STORE === 'postgres'
      ? await PgStore.open(config.DATABASE_URL!, { schema: config.DATABASE_SCHEMA, fenced: true })
      : await LevelStore.open(join(config.DATA_DIR, 'db'));
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
    // STORE=postgres: every instance writes to the shared pending queue; the lease holder alone sequences, its batcher fed from that queue.
    const shared = store instanceof PgStore ? store : null;
    const feed = shared ? new PendingFeed({ store, add: (leaves) => batcher!.add(leaves), everyMs: 200, onError: (e) => logger.warn(`reading pending leaves: ${(e as Error).message}`) }) : null;
    const role = shared
      ? new SequencerRole({
          lease: new PgLease(shared.connections, config.SEQUENCER_LEASE_MS),
          holder: `${hostname()}:${process.pid}`,
          renewEveryMs: Math.floor(config.SEQUENCER_LEASE_MS / 4),
          pollEveryMs: Math.floor(config.SEQUENCER_LEASE_MS / 2),
          onElected: async (epoch) => {
            shared.fence(epoch);
            await sequence();
          },
          onFollowing: () => batchLog.refresh(),
          onLost: (reason) => {
            // What this process holds in memory (head, pending, log edge) may be stale: stop sequencing, and start afresh.
            shared.fence(null);
            feed?.stop();
            anchoring.stop();
            void batcher?.stop();
            void checkpointer.stop();
            void witnessing.stop();
            (overrides.onSequencerLost ?? exitForRestart)(reason);
          },
          logger,
        })
      : null;

    // The intake step on worker threads (INTAKE_WORKERS=0: on this one), and batch roots on a thread of their own.
    const intake = new ThreadIntake({ gatewayId, subjectKey: keys.subjectKey }, config.INTAKE_WORKERS);
    closers.unshift(() => intake.close());
    const roots = threadRoots(config.INTAKE_WORKERS === 0 ? 0 : 1);
    closers.unshift(() => roots.close());
    const evidence = new EvidenceService({
      intake,
      store,
      gatewayId,
      subjectKey: keys.subjectKey,
      masterKey: keys.masterKey,
      onDurable: (leaves) => (feed ? feed.offer(leaves) : batcher!.add(leaves)),
      onRecorded: (kind, n) => metrics.recorded.inc({ kind }, n),
    });
    const batchLog = await BatchLog.open(store, alg);
    const proofs = new ProofService({
      store,
      log: batchLog,
      openPayload: (r) => evidence.openPayload(r),
      retryAfterSeconds: () => Math.ceil(config.BATCH_MAX_AGE_MS / 1000) + 1,
    });
    const webhookPolicy = { allow: parseWebhookAllow(config.WEBHOOK_ALLOW) };
    const subscriptions = new SubscriptionService({
      store,
      queue,
      proofs,
      gatewayId,
      sm2: keys.sm2,
      policy: webhookPolicy,
      maxPerClient: config.WEBHOOK_MAX_PER_CLIENT,
      // The in-process queue forgets its jobs on a crash: pending deliveries are kept in the store too.
      outbox: queue.kind === 'memory',
      // An insurer receives only what its patients' consents on chain cover.
      visible: (client, records) => consentScopeOf(ctx).visible(clients.get(client) ?? { roles: [] }, records),
    });
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
      rootOf: roots.rootOf,
      onClosed: async (batch) => {
        feed?.batched(leafIds(batch.leaves));
        metrics.batchSize.observe(batch.header.size);
        metrics.batchesClosed.inc();
        faults.batchClosed?.();
        checkpointer.logGrew();
      },
      onError: (e) => {
        logger.error(`closing a batch failed, will retry: ${(e as Error).message}`);
        // Anything but an unreachable database means the shared store is not what this sequencer expected
        // (another took the lease, or a close whose answer was lost went through): a fresh start resumes from the store.
        if (role?.isSequencer && (e as { code?: string }).code !== 'STORE_UNAVAILABLE') role.lose(`closing a batch failed: ${(e as Error).message}`);
      },
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
      sequencing: role ?? { isSequencer: true, epoch: null },
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
    if (config.METRICS_PORT !== undefined) {
      const scrape = await listenMetrics(metrics.registry, config.METRICS_HOST, config.METRICS_PORT);
      closers.unshift(() => scrape.close());
      logger.info(`metrics for scrapers at ${scrape.url}/metrics`);
    }

    // Resume: leaves acknowledged but not batched, then anchoring of closed batches. At once on LevelDB;
    // on PostgreSQL once this instance holds the sequencer lease (a follower serves intake and reads meanwhile).
    async function sequence(): Promise<void> {
      await batchLog.refresh();
      batchLog.follow(false);
      const pending = await store.pending();
      batcher!.start(await store.head(), pending);
      feed?.start(pending);
      witnessing.resume(await store.latestCheckpoint());
      await checkpointer.start();
      anchoring.start();
    }
    if (config.ANCHOR_WORKER === 'embedded') {
      const deliver = deliveryHandler({
        policy: webhookPolicy,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES,
        onOutcome: (ok) => metrics.deliveries.inc({ outcome: ok ? 'delivered' : 'failed' }),
        stillWanted: (job) => subscriptions.stillWanted(job),
        settled: (job) => subscriptions.settled(job),
      });
      queue.process<DeliveryJob>(QUEUES.deliver, deliver, {
        concurrency: 4,
        retry: deliveryRetry(config.WEBHOOK_ATTEMPTS),
        onFailed: (job, e) => {
          logger.warn(`webhook for subscription ${(job as DeliveryJob).subscription} given up: ${e.message}`);
          void subscriptions.settled(job as DeliveryJob).catch(() => undefined);
        },
      });
      // Deliveries a crash left pending (in-process queue: kept in the store).
      await subscriptions.resume();
    }
    if (role) {
      batchLog.follow(true);
      role.start();
    } else {
      await sequence();
    }

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
        feed?.stop();
        await batcher!.stop();
        // Before the checkpointer: a signing waiting for the quorum returns at once.
        await witnessing.stop();
        await checkpointer.stop();
        // Released: another instance takes over without waiting for the lease to run out.
        await role?.stop();
        for (const c of closers) await c().catch((e: unknown) => logger.warn(`closing: ${(e as Error).message}`));
      },
    };
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
}

/** The record ids of a batch's leaves (bytes 2..18 of each 122-byte leaf, spec section 4). */
function leafIds(leaves: Uint8Array): string[] {
  const out: string[] = [];
  for (let o = 0; o < leaves.length; o += 122) out.push(Buffer.from(leaves.buffer, leaves.byteOffset + o + 2, 16).toString('hex'));
  return out;
}

/** The sequencer lease went to another instance: exit with 75 (EX_TEMPFAIL) so the supervisor starts this instance again, as a follower. */
function exitForRestart(reason: string): void {
  console.error(`sequencer lease lost (${reason}); exiting for a fresh start / 排序者租约已转移，进程退出以便重新启动`);
  process.exit(75);
}
