import type { AnchorRef, Checkpoint } from '@evidence/core';
import type { RetryPolicy } from './ports/queue.js';
import type { DeliveryRef } from './ports/store.js';

/** Queue names and job shapes shared by the gateway process and a separate worker process. */
export const QUEUES = {
  /** Anchor one signed checkpoint (data: CheckpointJob); at most one per gateway at a time. Runs wherever an Anchor is configured. */
  checkpoint: 'checkpoint',
  /** The outcome of a checkpoint job (data: CheckpointOutcome). Runs in the gateway process, which owns the store. */
  checkpointed: 'checkpointed',
  /** POST a signed webhook body (data: DeliveryJob). Runs anywhere. */
  deliver: 'deliver',
} as const;

/** Anchor `checkpoint` on top of the chain's checkpoint of size `from` (0: none yet), with the consistency proof between them. */
export interface CheckpointJob {
  gateway: string;
  checkpoint: Checkpoint;
  /** The gateway's SM2 signature over checkpointBytes, hex (the Fabric chaincode verifies it). */
  signature: string;
  from: number;
  /** RFC 9162 consistency proof from `from` to checkpoint.size, hex; empty for the first. */
  proof: string[];
}

export type CheckpointOutcome =
  /** The chain holds the checkpoint; anchor is null when it was found there without a receipt (anchored before a crash, receipt not found). */
  | { outcome: 'anchored'; size: number; anchor: AnchorRef | null; at: number }
  /** The chain's latest checkpoint is not the one the job started from: the gateway compares it with its log and tries again. */
  | { outcome: 'chain-moved'; size: number; at: number }
  /** The anchor found the checkpoint's ts too old (a long outage): the gateway signs a fresh one and tries again. */
  | { outcome: 'expired'; size: number; at: number };

export interface DeliveryJob {
  subscription: string;
  url: string;
  /** The exact bytes signed, as a UTF-8 string. */
  body: string;
  headers: Record<string, string>;
  /** Which delivery of the subscription this is (its entry in the store's outbox). */
  ref?: DeliveryRef;
}

/** A chain outage is waited out: unlimited attempts, at most 5 s apart, so catch-up starts quickly. */
export const ANCHOR_RETRY: RetryPolicy = { attempts: Infinity, initialDelayMs: 250, maxDelayMs: 5000 };
export const OUTCOME_RETRY: RetryPolicy = { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 5000 };
export const deliveryRetry = (attempts: number): RetryPolicy => ({ attempts, initialDelayMs: 1000, maxDelayMs: 60_000 });

export const checkpointJobId = (size: number): string => `checkpoint-${size}`;
export const outcomeJobId = (size: number, outcome: CheckpointOutcome['outcome']): string => `${outcome}-${size}`;
