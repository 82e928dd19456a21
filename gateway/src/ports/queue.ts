/**
 * The job queue port. The in-process adapter is the embedded default; the
 * BullMQ adapter keeps jobs in Redis so they survive restarts and can be run
 * by a separate worker process. Both run test/conformance/queue.ts.
 *
 * Handlers must be idempotent: a job may run again after a crash.
 */
export interface JobInfo {
  id: string;
  /** 1 on the first run. */
  attempt: number;
}

export type JobHandler<T> = (data: T, job: JobInfo) => Promise<unknown>;

export interface RetryPolicy {
  /** Total runs allowed; Infinity retries until the job succeeds. */
  attempts: number;
  /** First retry delay (ms), doubled each attempt up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ProcessOptions {
  concurrency?: number;
  retry?: RetryPolicy;
  /** Called once a job has failed for good (attempts used up, or UnrecoverableJobError). */
  onFailed?: (data: unknown, error: Error) => void;
}

export interface AddOptions {
  /** A job with the same id that is still waiting, delayed or running is not added again. */
  jobId?: string;
}

export interface JobQueue {
  /** 'memory' or 'bullmq', for logs and metrics. */
  readonly kind: string;
  add<T>(name: string, data: T, options?: AddOptions): Promise<void>;
  process<T>(name: string, handler: JobHandler<T>, options?: ProcessOptions): void;
  /** Jobs waiting, delayed or running, by queue name. */
  depth(name: string): Promise<number>;
  close(): Promise<void>;
}

/** Throw from a handler to run the job again after `delayMs`, without counting it as a failure. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** Throw from a handler when retrying cannot help. */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableJobError';
  }
}

export function backoffDelay(policy: RetryPolicy, attemptsMade: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attemptsMade - 1));
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 200, maxDelayMs: 5000 };
