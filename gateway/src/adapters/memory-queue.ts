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

interface Job {
  id: string;
  data: unknown;
  attemptsMade: number;
}

interface Lane {
  waiting: Job[];
  /** Ids of jobs waiting, delayed or running: a second add with one of them is dropped. */
  live: Set<string>;
  active: number;
  delayed: Set<ReturnType<typeof setTimeout>>;
  handler?: JobHandler<unknown>;
  options: Required<Pick<ProcessOptions, 'concurrency' | 'retry'>> & Pick<ProcessOptions, 'onFailed'>;
}

/**
 * The embedded queue: jobs live in this process's memory, first in first out,
 * with retries and backoff. Nothing survives a restart, which is why the
 * gateway re-derives its jobs (un-anchored batches) from LevelDB at start.
 */
export class MemoryQueue implements JobQueue {
  readonly kind = 'memory';
  private readonly lanes = new Map<string, Lane>();
  private closed = false;
  private counter = 0;
  private idle: (() => void)[] = [];

  async add<T>(name: string, data: T, options: AddOptions = {}): Promise<void> {
    if (this.closed) throw new Error('the queue is closed');
    const lane = this.lane(name);
    const id = options.jobId ?? `job-${++this.counter}`;
    if (lane.live.has(id)) return;
    lane.live.add(id);
    lane.waiting.push({ id, data, attemptsMade: 0 });
    this.pump(lane);
  }

  process<T>(name: string, handler: JobHandler<T>, options: ProcessOptions = {}): void {
    const lane = this.lane(name);
    if (lane.handler) throw new Error(`queue ${name} already has a handler`);
    lane.handler = handler as JobHandler<unknown>;
    lane.options = { concurrency: options.concurrency ?? 1, retry: options.retry ?? DEFAULT_RETRY, onFailed: options.onFailed };
    this.pump(lane);
  }

  async depth(name: string): Promise<number> {
    return this.lanes.get(name)?.live.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      for (const t of lane.delayed) clearTimeout(t);
      lane.delayed.clear();
    }
    while ([...this.lanes.values()].some((l) => l.active > 0)) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { waiting: [], live: new Set(), active: 0, delayed: new Set(), options: { concurrency: 1, retry: DEFAULT_RETRY } };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  private pump(lane: Lane): void {
    while (!this.closed && lane.handler && lane.active < lane.options.concurrency && lane.waiting.length > 0) {
      const job = lane.waiting.shift()!;
      lane.active++;
      void this.run(lane, lane.handler, job).finally(() => {
        lane.active--;
        if (lane.active === 0) this.idle.splice(0).forEach((r) => r());
        this.pump(lane);
      });
    }
  }

  private async run(lane: Lane, handler: JobHandler<unknown>, job: Job): Promise<void> {
    job.attemptsMade++;
    try {
      await handler(job.data, { id: job.id, attempt: job.attemptsMade });
      lane.live.delete(job.id);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      if (error instanceof RetryLaterError) {
        job.attemptsMade--; // waiting on something else is not a failed attempt
        this.later(lane, job, error.delayMs);
      } else if (!(error instanceof UnrecoverableJobError) && job.attemptsMade < lane.options.retry.attempts) {
        this.later(lane, job, backoffDelay(lane.options.retry, job.attemptsMade));
      } else {
        lane.live.delete(job.id);
        lane.options.onFailed?.(job.data, error);
      }
    }
  }

  private later(lane: Lane, job: Job, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      lane.delayed.delete(timer);
      lane.waiting.push(job);
      this.pump(lane);
    }, delayMs);
    timer.unref?.();
    lane.delayed.add(timer);
  }
}
