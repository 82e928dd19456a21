import { Redis } from 'ioredis';
import { selectAnchor } from './chains/index.js';
import { BullQueue } from './adapters/bullmq-queue.js';
import { checkpointJobHandler } from './anchoring/checkpoint-job.js';
import { ConfigError, loadConfig } from './config/load.js';
import { ANCHOR_RETRY, deliveryRetry, QUEUES, type CheckpointJob, type DeliveryJob } from './jobs.js';
import { deliveryHandler } from './subscriptions/deliver.js';
import { parseWebhookAllow } from './subscriptions/webhook-target.js';

/**
 * A separate worker process for a gateway whose jobs live in Redis
 * (REDIS_URL, ANCHOR_WORKER=external on the gateway): it anchors checkpoints
 * and delivers webhooks. It needs the chain settings but neither the data
 * folder nor the gateway's keys: jobs carry signed checkpoints with their
 * consistency proofs, and signed bodies.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { ANCHOR_WORKER: 'external' });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  if (!config.REDIS_URL) {
    console.error('the worker needs REDIS_URL / 工作进程需要 REDIS_URL');
    process.exit(2);
  }
  const probe = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await probe.connect();
    await probe.quit();
  } catch (e) {
    console.error(`cannot reach Redis at ${config.REDIS_URL}: ${(e as Error).message}`);
    process.exit(2);
  }
  const queue = new BullQueue({ url: config.REDIS_URL, prefix: config.QUEUE_PREFIX ?? `evidence:${config.GATEWAY_CODE}` });
  const selected = await selectAnchor(config);
  if (selected) {
    queue.process<CheckpointJob>(QUEUES.checkpoint, checkpointJobHandler({ anchor: selected.anchor, queue }), {
      concurrency: 1,
      retry: ANCHOR_RETRY,
      onFailed: (job, e) => console.error(`anchoring checkpoint ${(job as CheckpointJob).checkpoint.size} failed for good: ${e.message}`),
    });
  }
  // The same address checks, caps and timeout as the gateway's own deliveries; this process has no store, so a
  // deleted subscription's jobs already queued in Redis still run (the gateway's embedded worker checks the store).
  const deliver = deliveryHandler({ policy: { allow: parseWebhookAllow(config.WEBHOOK_ALLOW) }, timeoutMs: config.WEBHOOK_TIMEOUT_MS, maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES });
  queue.process<DeliveryJob>(QUEUES.deliver, deliver, { concurrency: 4, retry: deliveryRetry(config.WEBHOOK_ATTEMPTS) });
  console.log(`worker for gateway ${config.GATEWAY_CODE}: anchoring ${selected ? config.ANCHOR : 'off'}, webhooks on`);
  if (process.send) process.send({ type: 'ready' });

  const stop = async () => {
    await queue.close();
    await selected?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
