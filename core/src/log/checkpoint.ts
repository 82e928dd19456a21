import { assertUint, concatBytes, fromHex, utf8, writeUint64 } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import { ALG_CODE, assertHashAlg, type HashAlg } from '../hash/alg.js';
import { sm2Sign, sm2Verify, type Sm2PreparedKey } from '../sm2/sm2.js';

/** A signed statement of a gateway's batch log: its size and root at a time (spec section 10). */
export interface Checkpoint {
  /** 32-byte gateway id, hex. */
  gateway: string;
  alg: HashAlg;
  /** Number of batches in the log, at least 1. */
  size: number;
  /** The log's Merkle Tree Hash at that size, hex. */
  root: string;
  /** The gateway's clock when it signed (ms). */
  ts: number;
}

/** What the checkpoint's SM2 signature travels with in a bundle (spec section 12). */
export interface CheckpointSignature {
  alg: 'sm2';
  publicKey: string;
  value: string;
}

export const CHECKPOINT_TAG = 'evidence-checkpoint/2';
const TAG_BYTES = concatBytes(utf8(CHECKPOINT_TAG), new Uint8Array([0]));
export const CHECKPOINT_LENGTH = TAG_BYTES.length + 32 + 1 + 8 + 32 + 8;

/**
 * checkpointBytes = utf8("evidence-checkpoint/2") || 0x00 || gateway(32) || alg(1) || size(8) || root(32) || ts(8).
 * The tag keeps a checkpoint signature from passing as a header or hop
 * signature made with the same key. Every field comes from a bundle or a
 * caller and is checked: lowercase hex of exact length, size >= 1, integers
 * within 2^53 - 1.
 */
export function encodeCheckpoint(cp: Checkpoint): Uint8Array {
  if (typeof cp !== 'object' || cp === null) throw new EvidenceError('BUNDLE_MALFORMED', 'checkpoint must be an object');
  const alg = assertHashAlg(cp.alg);
  const size = assertUint(cp.size, 64, 'checkpoint.size');
  if (size === 0) throw new EvidenceError('MERKLE_EMPTY_TREE', 'checkpoint.size must be at least 1');
  const out = new Uint8Array(CHECKPOINT_LENGTH);
  let at = 0;
  out.set(TAG_BYTES, at);
  at += TAG_BYTES.length;
  out.set(fromHex(cp.gateway, 32, 'checkpoint.gateway'), at);
  at += 32;
  out[at] = ALG_CODE[alg];
  at += 1;
  writeUint64(out, at, size);
  at += 8;
  out.set(fromHex(cp.root, 32, 'checkpoint.root'), at);
  at += 32;
  writeUint64(out, at, assertUint(cp.ts, 64, 'checkpoint.ts'));
  return out;
}

/** The gateway's SM2 signature over M = checkpointBytes. */
export function signCheckpoint(cp: Checkpoint, privateKey: string): Uint8Array {
  return sm2Sign(encodeCheckpoint(cp), privateKey);
}

/** True when `signature` is the SM2 signature of `publicKey` over the checkpoint; false for a malformed checkpoint too. */
export function verifyCheckpointSignature(cp: Checkpoint, signature: Uint8Array, publicKey: string | Sm2PreparedKey): boolean {
  let bytes: Uint8Array;
  try {
    bytes = encodeCheckpoint(cp);
  } catch {
    return false;
  }
  return sm2Verify(bytes, signature, publicKey);
}
