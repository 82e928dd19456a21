import type { Checkpoint } from '../log/checkpoint.js';
import { isObject } from './fields.js';
import { readCheckpointSignature, readCosignatures, readLog } from './read.js';
import type { VerifiedCosignature } from './types.js';

/** The log members of a version 2 bundle a report shows, each null when absent or malformed. */
export interface LogFacts {
  /** The batch's position: index = batch.seq, in the log of `size` batches. */
  position: { index: number; size: number } | null;
  checkpoint: Checkpoint | null;
  checkpointKey: string | null;
  cosignatures: VerifiedCosignature[] | null;
}

/**
 * For reports (the CLI, the verification page): the log members of a bundle
 * as far as they are well formed, read with the verifier's own readers.
 * Nothing here is verified: a report shows each fact only beside the step
 * that passed over it (position under `log`, the checkpoint under
 * `checkpoint`, the cosignatures under `cosignature`). Null for input that is
 * not a version 2 bundle object.
 */
export function logFacts(input: unknown): LogFacts | null {
  if (!isObject(input) || input.format !== 'evidence-proof/2') return null;
  const log = attempt(() => readLog(input));
  return {
    position: log ? { index: log.inclusion.index, size: log.inclusion.size } : null,
    checkpoint: log?.checkpoint ?? null,
    checkpointKey: attempt(() => readCheckpointSignature(input).publicKey),
    cosignatures: attempt(() => readCosignatures(input).map(({ witness, ts, publicKey }) => ({ witness, ts, publicKey }))),
  };
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
