/**
 * The one conformance suite of the gateway's JobQueue port
 * (gateway/src/ports/queue.ts). The in-process queue and the BullMQ queue both
 * run it:
 *
 *   describeQueueConformance('memory', async () => ({ open: () => new MemoryQueue(), durable: false }));
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RetryLaterError, UnrecoverableJobError, type JobQueue } from '../../gateway/src/ports/queue.js';

export interface QueueFixture {
  /** A new queue instance on the same backend (for BullMQ: the same Redis and prefix). */
  open: () => JobQueue;
  /** Whether jobs outlive the queue instance that added them. */
  durable: boolean;
  close?: () => Promise<void>;
}

const fast = { attempts: 3, initialDelayMs: 20, maxDelayMs: 50 };

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function describeQueueConformance(name: string, setup: () => Promise<QueueFixture>): void {
  describe(`JobQueue port conformance: ${name}`, () => {
    const opened: JobQueue[] = [];
    let fixture: QueueFixture | undefined;
    let n = 0;
    const queueName = (): string => `conf${Date.now().toString(36)}x${++n}`;
    const open = async (): Promise<JobQueue> => {
      fixture ??= await setup();
      const q = fixture.open();
      opened.push(q);
      return q;
    };

    afterAll(async () => {
      for (const q of opened) await q.close().catch(() => undefined);
      await fixture?.close?.();
    });

    it('runs jobs first in, first out with concurrency 1', async () => {
      const q = await open();
      const name = queueName();
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) await q.add(name, { i });
      q.process<{ i: number }>(name, async ({ i }) => {
        seen.push(i);
      });
      await until(() => seen.length === 20);
      expect(seen).toEqual([...Array(20).keys()]);
    });

    it('does not add a job whose id is still waiting', async () => {
      const q = await open();
      const name = queueName();
      await q.add(name, { v: 1 }, { jobId: 'same' });
      await q.add(name, { v: 2 }, { jobId: 'same' });
      await q.add(name, { v: 3 }, { jobId: 'other' });
      expect(await q.depth(name)).toBe(2);
      const seen: number[] = [];
      q.process<{ v: number }>(name, async ({ v }) => {
        seen.push(v);
      });
      await until(() => seen.length === 2);
      expect(seen).toEqual([1, 3]);
      await until(async () => (await q.depth(name)) === 0);
    });

    it('retries a failing job with backoff and reports the attempt number', async () => {
      const q = await open();
      const name = queueName();
      const attempts: number[] = [];
      const times: number[] = [];
      q.process(
        name,
        async (_data, job) => {
          attempts.push(job.attempt);
          times.push(Date.now());
          if (job.attempt < 3) throw new Error('transient');
        },
        { retry: fast },
      );
      await q.add(name, {});
      await until(() => attempts.length === 3);
      expect(attempts).toEqual([1, 2, 3]);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(15);
      await until(async () => (await q.depth(name)) === 0);
    });

    it('gives up after the allowed attempts and reports the failure', async () => {
      const q = await open();
      const name = queueName();
      let runs = 0;
      const failed: string[] = [];
      q.process(
        name,
        async () => {
          runs++;
          throw new Error('always');
        },
        { retry: fast, onFailed: (_d, e) => failed.push(e.message) },
      );
      await q.add(name, {});
      await until(() => failed.length === 1);
      expect(runs).toBe(3);
      expect(failed).toEqual(['always']);
      await until(async () => (await q.depth(name)) === 0);
    });

    it('does not retry an unrecoverable job', async () => {
      const q = await open();
      const name = queueName();
      let runs = 0;
      const failed: string[] = [];
      q.process(
        name,
        async () => {
          runs++;
          throw new UnrecoverableJobError('fork');
        },
        { retry: fast, onFailed: (_d, e) => failed.push(e.message) },
      );
      await q.add(name, {});
      await until(() => failed.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(runs).toBe(1);
      expect(failed).toEqual(['fork']);
    });

    it('reruns a job that asks to wait without counting a failed attempt', async () => {
      const q = await open();
      const name = queueName();
      const attempts: number[] = [];
      q.process(
        name,
        async (_d, job) => {
          attempts.push(job.attempt);
          if (attempts.length < 5) throw new RetryLaterError('predecessor not done', 10);
        },
        { retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 } },
      );
      await q.add(name, {});
      await until(() => attempts.length === 5);
      expect(attempts).toEqual([1, 1, 1, 1, 1]);
    });

    it('runs jobs in parallel up to the concurrency', async () => {
      const q = await open();
      const name = queueName();
      let running = 0;
      let peak = 0;
      let done = 0;
      q.process(
        name,
        async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 50));
          running--;
          done++;
        },
        { concurrency: 4 },
      );
      for (let i = 0; i < 8; i++) await q.add(name, { i });
      await until(() => done === 8);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(4);
    });

    it('keeps jobs across instances when durable', async () => {
      if (!fixture?.durable && !(await setupIsDurable())) return;
      const producer = await open();
      const name = queueName();
      for (let i = 0; i < 5; i++) await producer.add(name, { i }, { jobId: `k${i}` });
      await producer.close();
      const consumer = await open();
      const seen: number[] = [];
      consumer.process<{ i: number }>(name, async ({ i }) => {
        seen.push(i);
      });
      await until(() => seen.length === 5);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    });

    async function setupIsDurable(): Promise<boolean> {
      fixture ??= await setup();
      return fixture.durable;
    }
  });
}
