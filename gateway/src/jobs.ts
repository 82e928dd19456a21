import type { AnchorRef, BatchHeader } from '@evidence/core';
import type { RetryPolicy } from './ports/queue.js';

/** Queue names and job shapes shared by the gateway process and a separate worker process. */
export const QUEUES = {
  /** Anchor one closed batch (data: AnchorJob). Runs wherever an Anchor is configured. */
  anchor: 'anchor',
  /** A batch is on chain (data: AnchoredJob). Runs in the gateway process, which owns the store. */
  anchored: 'anchored',
  /** POST a signed webhook body (data: DeliveryJob). Runs anywhere. */
  deliver: 'deliver',
} as const;

export interface AnchorJob {
  gateway: string;
  seq: number;
  header: BatchHeader;
  /** SM2 signature over headerBytes, hex. */
  signature: string;
  headerHash: string;
}

export interface AnchoredJob {
  seq: number;
  /** null when the batch was found already on chain (anchored before a crash). */
  anchor: AnchorRef | null;
  at: number;
}

export interface DeliveryJob {
  subscription: string;
  url: string;
  /** The exact bytes signed, as a UTF-8 string. */
  body: string;
  headers: Record<string, string>;
}

/** A chain outage is waited out: unlimited attempts, at most 5 s apart, so catch-up starts quickly. */
export const ANCHOR_RETRY: RetryPolicy = { attempts: Infinity, initialDelayMs: 250, maxDelayMs: 5000 };
export const ANCHORED_RETRY: RetryPolicy = { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 5000 };
export const deliveryRetry = (attempts: number): RetryPolicy => ({ attempts, initialDelayMs: 1000, maxDelayMs: 60_000 });

export const anchorJobId = (seq: number): string => `anchor-${seq}`;
export const anchoredJobId = (seq: number): string => `anchored-${seq}`;
