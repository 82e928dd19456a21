import type { DeliveryJob } from '../jobs.js';

/**
 * The handler of 'deliver' jobs: one POST of the signed body. Anything but a
 * 2xx answer throws, and the queue retries with backoff. The subscriber's URL
 * is caller-supplied; it receives only proofs, never disclosed payloads.
 */
export function deliveryHandler(timeoutMs: number, onOutcome?: (ok: boolean) => void): (job: DeliveryJob) => Promise<void> {
  return async (job) => {
    let res: Response;
    try {
      res = await fetch(job.url, { method: 'POST', headers: job.headers, body: job.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (e) {
      onOutcome?.(false);
      throw new Error(`delivery to ${job.url} failed: ${(e as Error).message}`);
    }
    await res.arrayBuffer().catch(() => undefined);
    onOutcome?.(res.ok);
    if (!res.ok) throw new Error(`delivery to ${job.url} answered ${res.status}`);
  };
}
