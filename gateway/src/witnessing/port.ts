import type { Checkpoint, CheckpointSignature } from '@evidence/core';
import type { WitnessEndpoint } from './settings.js';

/**
 * What the gateway sends a witness (`POST {url}/v1/witness/cosign`): its
 * signed checkpoint, the size of the last checkpoint the gateway believes this
 * witness cosigned (0 for none) and the RFC 9162 consistency proof from that
 * size to the checkpoint's (empty when `from` is 0 or equals the size).
 */
export interface CosignRequest {
  checkpoint: Checkpoint;
  signature: CheckpointSignature;
  from: number;
  proof: string[];
}

/** Codes the gateway gives outcomes that are not a witness's own refusal. */
export type LocalFailureCode =
  /** No answer within WITNESS_TIMEOUT_MS. */
  | 'WITNESS_TIMEOUT'
  /** Connection refused, reset, DNS, TLS: nothing came back. */
  | 'WITNESS_UNREACHABLE'
  /** An answer that is not the contract's: not JSON, a missing field, too large, a redirect, an unexpected status. */
  | 'WITNESS_BAD_ANSWER'
  /** A 200 whose cosignature does not verify, or names another witness or key than the configured ones. */
  | 'WITNESS_BAD_COSIGNATURE'
  /** The gateway itself could not build the request (a consistency proof it could not read). */
  | 'WITNESS_REQUEST_FAILED';

/** The refusal codes of the witness contract (node/src/witness), besides WITNESS_WRONG_BASE, which has its own outcome. */
export const WITNESS_REFUSAL_CODES = [
  'WITNESS_BAD_REQUEST',
  'WITNESS_UNKNOWN_GATEWAY',
  'WITNESS_WRONG_KEY',
  'WITNESS_BAD_SIGNATURE',
  'WITNESS_CLOCK_SKEW',
  'WITNESS_STALE',
  'WITNESS_FORK',
  // The witness's own trouble (its key registry unreadable, an internal error; 5xx): asked again later.
  'WITNESS_UNAVAILABLE',
  'WITNESS_INTERNAL',
  'WITNESS_BODY_TOO_LARGE',
] as const;
export type WitnessRefusalCode = (typeof WITNESS_REFUSAL_CODES)[number];

/**
 * What came back, read but not yet trusted: a witness is another party, and
 * whatever it answers (the cosignature above all) is checked by the caller
 * before anything is kept.
 */
export type CosignOutcome =
  /** 200: the `cosignature` member as received, unchecked. */
  | { kind: 'cosigned'; cosignature: unknown }
  /** 409 WITNESS_WRONG_BASE: the witness says the last size it cosigned for this gateway is `size` (0 for none). */
  | { kind: 'wrong-base'; size: number; message: string }
  /** Any other refusal with the contract's shape; codes outside the contract read as 'WITNESS_OTHER'. */
  | { kind: 'refused'; code: WitnessRefusalCode | 'WITNESS_OTHER'; status: number; message: string }
  | { kind: 'failed'; code: LocalFailureCode; message: string };

/**
 * Asks one witness to cosign: the HTTP adapter (http-cosigner.ts) in a
 * gateway, anything with the same contract in tests. Never throws for what
 * the witness does; `signal` aborts it when the gateway stops.
 */
export type RequestCosignature = (witness: WitnessEndpoint, request: CosignRequest, signal: AbortSignal) => Promise<CosignOutcome>;
