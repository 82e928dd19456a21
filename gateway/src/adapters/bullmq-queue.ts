import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  backoffDelay,
  DEFAULT_RETRY,
  RetryLaterError,
  UnrecoverableJobError,
  type AddOptions,
  type JobHandler,
  type JobQueue,
  type ProcessOptions,
} from '../ports/queue.js';

export interface BullQueueOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Key prefix in Redis, so several gateways can share one Redis. */
  prefix: string;
}

/**
 * Jobs kept in Redis through BullMQ: they survive restarts of the gateway, and
 * a separate worker process (src/worker.ts) can run them. Retry policy and
 * attempt counting live on the worker side so producer and worker need not
 * agree on job options: jobs are added with unlimited attempts and the
 * processor turns the last allowed failure into an UnrecoverableError.
 */
export class BullQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];

  constructor(private readonly options: BullQueueOptions) {
    // BullMQ workers block on this connection; ioredis must retry forever, not fail requests.
    this.connection = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', () => undefined); // reconnects on its own; failures surface on calls
  }

  async add<T>(name: string, data: T, options: AddOptions = {}): Promise<void> {
    await this.queue(name).add(name, data, {
      ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
      attempts: Number.MAX_SAFE_INTEGER,
      backoff: { type: 'gateway' },
      removeOnComplete: { age: 3600, count: 1000 },
      // A failed job left in Redis would block a later re-add under the same jobId.
      removeOnFail: true,
    });
  }

  process<T>(name: string, handler: JobHandler<T>, options: ProcessOptions = {}): void {
    const policy = options.retry ?? DEFAULT_RETRY;
    const processor = async (job: Job, token?: string): Promise<unknown> => {
      const attempt = job.attemptsMade + 1;
      try {
        return await handler(job.data as T, { id: job.id ?? '', attempt });
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        if (error instanceof RetryLaterError) {
          await job.moveToDelayed(Date.now() + error.delayMs, token);
          throw new DelayedError();
        }
        if (error instanceof UnrecoverableJobError || attempt >= policy.attempts) {
          options.onFailed?.(job.data, error);
          throw new UnrecoverableError(error.message);
        }
        throw error;
      }
    };
    const worker = new Worker(name, processor, {
      connection: this.connection,
      prefix: this.options.prefix,
      concurrency: options.concurrency ?? 1,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(policy, attemptsMade) },
    });
    worker.on('error', () => undefined); // connection errors: the worker reconnects by itself
    this.workers.push(worker);
  }

  async depth(name: string): Promise<number> {
    const counts = await this.queue(name).getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.options.prefix });
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }
}
