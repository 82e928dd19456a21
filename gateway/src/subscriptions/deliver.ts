import type { DeliveryJob } from '../jobs.js';
import { UnrecoverableJobError } from '../ports/queue.js';
import { isGatewayError } from '../errors.js';
import { postWebhook, type WebhookPostOptions } from './webhook-post.js';

export interface DeliveryOptions extends Omit<WebhookPostOptions, 'resolve'> {
  onOutcome?: (ok: boolean) => void;
  /** False once the job's subscription is gone: the job ends at once, delivered nowhere. */
  stillWanted?: (job: DeliveryJob) => Promise<boolean>;
  /** The job is over (delivered, or its subscription gone): its entry in the store's outbox can go. */
  settled?: (job: DeliveryJob) => Promise<void>;
}

/**
 * The handler of 'deliver' jobs: one POST of the signed body (webhook-post.ts:
 * checked address, no redirects, capped answer, timeout). Anything but a 2xx
 * answer throws and the queue retries with backoff; a URL that now resolves
 * where webhooks may not go is not retried. The subscriber's URL is
 * caller-supplied; it receives only proofs, never disclosed payloads.
 */
export function deliveryHandler(o: DeliveryOptions): (job: DeliveryJob) => Promise<void> {
  return async (job) => {
    if (o.stillWanted && !(await o.stillWanted(job))) {
      await o.settled?.(job);
      return;
    }
    let status: number;
    try {
      status = (await postWebhook(job.url, job.headers, job.body, o)).status;
    } catch (e) {
      o.onOutcome?.(false);
      if (isGatewayError(e) && e.code === 'WEBHOOK_URL_REFUSED') throw new UnrecoverableJobError(`delivery refused: ${e.message}`);
      throw new Error(`delivery for subscription ${job.subscription} failed: ${(e as Error).message}`);
    }
    const ok = status >= 200 && status < 300;
    o.onOutcome?.(ok);
    if (!ok) throw new Error(`delivery for subscription ${job.subscription} answered ${status}`);
    await o.settled?.(job);
  };
}
