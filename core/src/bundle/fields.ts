import { assertUint, fromHex } from '../encoding/bytes.js';
import { EvidenceError, type ErrorCode } from '../errors.js';
import type { HashAlg } from '../hash/alg.js';
import { isValidSm2PublicKey } from '../sm2/sm2.js';

/**
 * Readers of single JSON members of a proof bundle. Everything they read comes
 * from the bundle, which an attacker writes, so each reader checks presence,
 * JSON type and content (lowercase hex of exact length, integers within
 * 2^53 - 1, points on the SM2 curve) and throws an EvidenceError with a stable
 * code naming the member. The verification step that calls a reader first is
 * the step a malformed member fails at (spec section 13).
 */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of a member that must be present. */
export function memberOf(parent: JsonObject, key: string, where: string, code: ErrorCode = 'BUNDLE_MALFORMED'): unknown {
  const v = parent[key];
  if (v === undefined) throw new EvidenceError(code, `${where} is missing`);
  return v;
}

/** A member that must be a JSON object. */
export function objectAt(parent: JsonObject, key: string, where: string): JsonObject {
  const v = memberOf(parent, key, where);
  if (!isObject(v)) throw new EvidenceError('BUNDLE_MALFORMED', `${where} must be a JSON object`);
  return v;
}

/** A member that must be lowercase hex of exactly `bytes` bytes; returned as the string (ids compare as strings). */
export function hexAt(parent: JsonObject, key: string, bytes: number, where: string): string {
  const v = memberOf(parent, key, where);
  fromHex(v, bytes, where);
  return v as string;
}

/** A member that must be a non-negative integer of at most 2^53 - 1 (spec section 13). */
export function uintAt(parent: JsonObject, key: string, where: string): number {
  return assertUint(memberOf(parent, key, where), 64, where);
}

/** A member that must be an uncompressed point on the SM2 curve, in lowercase hex (04 || x || y). */
export function publicKeyAt(parent: JsonObject, key: string, where: string): string {
  const v = memberOf(parent, key, where);
  if (!isValidSm2PublicKey(v)) {
    throw new EvidenceError('SM2_BAD_PUBLIC_KEY', `${where} must be 65 bytes of lowercase hex (04 || x || y), a point on the SM2 curve`);
  }
  return v;
}

/** The longest audit path of a tree with at most 2^64 leaves. */
export const MAX_PATH_LENGTH = 64;

/** An RFC 9162 audit path: at most 64 hashes of 32 bytes, each lowercase hex. */
export function hashPathAt(parent: JsonObject, key: string, where: string): Uint8Array[] {
  const v = memberOf(parent, key, where);
  if (!Array.isArray(v)) throw new EvidenceError('BUNDLE_MALFORMED', `${where} must be an array of hex strings`);
  // Bounded before any element is decoded: a hostile bundle could carry millions.
  if (v.length > MAX_PATH_LENGTH) {
    throw new EvidenceError('MERKLE_BAD_PATH_LENGTH', `${where} has ${v.length} hashes, more than any tree of 2^64 leaves needs`);
  }
  return v.map((p, i) => fromHex(p, 32, `${where}[${i}]`));
}

/** A member naming a tree hash algorithm of spec section 1: "keccak256" or "sm3". */
export function algAt(parent: JsonObject, key: string, where: string): HashAlg {
  const v = memberOf(parent, key, where);
  if (v !== 'keccak256' && v !== 'sm3') throw new EvidenceError('EVIDENCE_BAD_ALG', `${where} must be "keccak256" or "sm3"`);
  return v;
}

/** A tree or log size: an integer of at least 1 (an empty tree has no root to prove against). */
export function sizeAt(parent: JsonObject, key: string, where: string): number {
  const size = uintAt(parent, key, where);
  if (size === 0) throw new EvidenceError('MERKLE_EMPTY_TREE', `${where} must be at least 1`);
  return size;
}
