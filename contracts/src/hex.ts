import { EvidenceError, fromHex, type Leaf } from '@evidence/core';

/** Core hex (lowercase, no 0x) to a 0x-prefixed value of exactly `bytes` bytes, checked. */
export function to0x(hex: string, bytes: number, what: string): string {
  fromHex(hex, bytes, what);
  return `0x${hex}`;
}

/** A chain value (0x-prefixed) back to core hex. */
export function from0x(value: string): string {
  return value.toLowerCase().replace(/^0x/, '');
}

/** A leaf as the Solidity `Leaf` struct expects it. */
export function leafTuple(leaf: Leaf) {
  return {
    v: leaf.v,
    kind: leaf.kind,
    id: to0x(leaf.id, 16, 'leaf.id'),
    gateway: to0x(leaf.gateway, 32, 'leaf.gateway'),
    subject: to0x(leaf.subject, 32, 'leaf.subject'),
    ts: leaf.ts,
    commitment: to0x(leaf.commitment, 32, 'leaf.commitment'),
  };
}

/**
 * Where a leaf's batch sits in its gateway's batch log, for a batch anchored
 * through a checkpoint (spec sections 9 to 12), as the Solidity `LogInclusion`
 * struct expects it: with the leaf's gateway and the location's seq and size,
 * these fields rebuild the batch header, whose log leaf the path places in the
 * log of `size` batches.
 */
export interface LogLocation {
  /** The batch header's root, core hex. */
  batchRoot: string;
  /** The batch header's prev, core hex. */
  prev: string;
  /** The batch header's closedAt (ms). */
  closedAt: number;
  /** The log size of an anchored checkpoint (a version 2 bundle's log.inclusion.size). */
  size: number;
  /** RFC 9162 inclusion path of the header's log leaf at index seq, core hex. */
  path: string[];
}

/** Where a leaf is anchored, as the Solidity `InclusionProof` struct expects it. */
export interface EvidenceLocation {
  /** Batch seq of the leaf's gateway. */
  seq: number;
  index: number;
  size: number;
  /** Audit path, core hex. */
  path: string[];
  /** Present when the batch is anchored through a checkpoint (a version 2 bundle), absent when it is anchored on its own. */
  log?: LogLocation;
}

export function proofTuple(location: EvidenceLocation) {
  return {
    seq: location.seq,
    index: location.index,
    size: location.size,
    path: location.path.map((p, i) => to0x(p, 32, `path[${i}]`)),
  };
}

/**
 * The Solidity `LogInclusion` of a location; for a batch anchored on its own,
 * the all-zero value whose logSize 0 says so (ClaimVerifier.submitClaimViaCheckpoints).
 */
export function logTuple(log: LogLocation | undefined) {
  if (!log) return { batchRoot: ZERO_WORD, prev: ZERO_WORD, closedAt: 0, logSize: 0, path: [] as string[] };
  if (!Number.isSafeInteger(log.size) || log.size < 1) {
    throw new EvidenceError('EVIDENCE_BAD_INTEGER', `log.size must be a positive integer, got ${String(log.size)}`);
  }
  return {
    batchRoot: to0x(log.batchRoot, 32, 'log.batchRoot'),
    prev: to0x(log.prev, 32, 'log.prev'),
    closedAt: log.closedAt,
    logSize: log.size,
    path: log.path.map((p, i) => to0x(p, 32, `log.path[${i}]`)),
  };
}

const ZERO_WORD = `0x${'00'.repeat(32)}`;
