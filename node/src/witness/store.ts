import { encodeCheckpoint, sm3, toHex } from '@evidence/core';
import type { ForkEvidence, Witnessed } from './types.js';

/**
 * Where a witness keeps what it must never forget: per gateway, the last
 * checkpoint it cosigned (with the gateway's signature and its own
 * cosignature), and every fork it found. A witness that forgot its state
 * after a restart could be made to cosign a fork, so a durable adapter
 * resolves a write only once it is on disk. Adapters: LevelWitnessStore
 * (synced LevelDB, the default when the witness has a data folder) and
 * MemoryWitnessStore (unit tests, in-process networks). Both pass
 * test/witness/store-conformance.ts.
 */
export interface WitnessStore {
  /** Whether what it holds survives the process (false: a restarted witness forgets what it cosigned). */
  readonly durable: boolean;
  /** Opens the store (a second call does nothing). A durable store that cannot be opened throws. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** The last checkpoint cosigned for `gateway`, or null. */
  latest(gateway: string): Promise<Witnessed | null>;
  /** Replaces the gateway's last cosigned checkpoint; durable once it resolves. */
  record(witnessed: Witnessed): Promise<void>;
  /** Keeps fork evidence; false when the same pair of checkpoints is already kept. Durable once it resolves. */
  addFork(evidence: ForkEvidence): Promise<boolean>;
  /** Fork evidence in the order it was found, optionally of one gateway, at most `limit` (oldest first). */
  forks(options?: { gateway?: string; limit?: number }): Promise<ForkEvidence[]>;
}

/**
 * The identity of a fork: SM3 over the two checkpoints' bytes. The same pair
 * sent again (with another proof, or by someone else) is one piece of
 * evidence, so evidence grows at most with the checkpoints the gateway signed.
 */
export function forkKey(e: ForkEvidence): string {
  return toHex(sm3(encodeCheckpoint(e.first.checkpoint), encodeCheckpoint(e.second.checkpoint)));
}

/** Detection order, ties broken by key so both adapters list the same order. */
export function byDetection(a: { e: ForkEvidence; key: string }, b: { e: ForkEvidence; key: string }): number {
  return a.e.detectedAt - b.e.detectedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
