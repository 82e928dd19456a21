import { toHex } from '../encoding/bytes.js';
import { assertHashAlg, type HashAlg } from '../hash/alg.js';

export const AUDIT_STATE_FORMAT = 'evidence-audit-state/1';

/**
 * What an audit verified, so the next one starts there: batches 0..size-1
 * were checked clean (signatures, prev links, membership in the anchored
 * log) against the chain as it stood. The file is the auditor's own, but it
 * may be stale, copied from another chain or edited, so every field is
 * checked on reading and compared with the chain before it is trusted.
 */
export interface AuditState {
  format: typeof AUDIT_STATE_FORMAT;
  gateway: string;
  /** The log's hash algorithm, null before the first batch. */
  alg: HashAlg | null;
  /** Batches 0..size-1 are verified. */
  size: number;
  /** headerHash of batch size - 1, the prev batch `size` must carry (32 zero bytes for size 0). */
  lastHeaderHash: string;
  /** The compact range of the batch log [0, size), largest subtree first, hex. */
  range: string[];
  /** The last anchored checkpoint verified (its position, size and root on chain); null before the first. */
  checkpoint: { index: number; size: number; root: string } | null;
  /** The chain's latest batch anchored one by one (version 1) when this state was saved; null when none. */
  v1: { seq: number; headerHash: string } | null;
  /** KeyHistory.digestBelow(size) of the registry as it stood. */
  keys: string;
  /** When it was saved (ms): informative. */
  savedAt: number;
}

const HEX32 = /^[0-9a-f]{64}$/;

/** A state file that cannot be read as one (the caller's mistake, not a finding about the chain). */
export class AuditStateError extends Error {
  override name = 'AuditStateError';
}

/** Reads a state file's JSON; a malformed file is refused with AuditStateError, never half-used. */
export function parseAuditState(json: unknown): AuditState {
  const o = object(json, 'state');
  if (o.format !== AUDIT_STATE_FORMAT) fail(`format must be ${AUDIT_STATE_FORMAT}`);
  const size = uint(o.size, 'size');
  const state: AuditState = {
    format: AUDIT_STATE_FORMAT,
    gateway: hex32(o.gateway, 'gateway'),
    alg: o.alg === null ? null : alg(o.alg),
    size,
    lastHeaderHash: hex32(o.lastHeaderHash, 'lastHeaderHash'),
    range: array(o.range, 'range').map((h, i) => hex32(h, `range[${i}]`)),
    checkpoint: o.checkpoint === null ? null : checkpoint(o.checkpoint),
    v1: o.v1 === null ? null : v1(o.v1),
    keys: hex32(o.keys, 'keys'),
    savedAt: uint(o.savedAt, 'savedAt'),
  };
  if (state.checkpoint && state.checkpoint.size !== size) fail('checkpoint.size must equal size');
  if (size > 0 && state.alg === null) fail('alg must be named when size > 0');
  return state;
}

function checkpoint(value: unknown): AuditState['checkpoint'] {
  const c = object(value, 'checkpoint');
  return { index: uint(c.index, 'checkpoint.index'), size: uint(c.size, 'checkpoint.size'), root: hex32(c.root, 'checkpoint.root') };
}

function v1(value: unknown): AuditState['v1'] {
  const c = object(value, 'v1');
  return { seq: uint(c.seq, 'v1.seq'), headerHash: hex32(c.headerHash, 'v1.headerHash') };
}

function alg(value: unknown): HashAlg {
  try {
    return assertHashAlg(value);
  } catch {
    return fail('alg must be keccak256 or sm3');
  }
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`${what} must be an array`);
  return value as unknown[];
}

function uint(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${what} must be a non-negative integer`);
  return value as number;
}

function hex32(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HEX32.test(value)) fail(`${what} must be 32 bytes of lowercase hex`);
  return value as string;
}

function fail(message: string): never {
  throw new AuditStateError(`audit state: ${message}`);
}

export const hexNodes = (nodes: readonly Uint8Array[]): string[] => nodes.map(toHex);
