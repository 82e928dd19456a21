import { assertUint, fromHex, readUint64, toHex, writeUint64 } from './encoding/bytes.js';
import { jcs } from './encoding/jcs.js';
import { EvidenceError } from './errors.js';
import { hashFor, type HashAlg } from './hash/alg.js';
import { sm3 } from './hash/sm3.js';
import { isKnownKind } from './kinds.js';
import { hashLeaf } from './merkle/hashing.js';

export const LEAF_VERSION = 1;
export const LEAF_LENGTH = 122;
/** Bytes of the random salt in a commitment, SM3(salt || JCS(payload)) (spec section 4). */
export const SALT_LENGTH = 32;

/** An evidence leaf (spec section 4) in its JSON shape: hex fields, ms timestamp. */
export interface Leaf {
  v: number;
  kind: number;
  /** 16-byte UUIDv7, hex. */
  id: string;
  /** 32-byte gateway id, hex. */
  gateway: string;
  /** 32-byte subject pseudonym, hex. */
  subject: string;
  /** Milliseconds since the Unix epoch. */
  ts: number;
  /** 32-byte SM3 commitment to salt || JCS(payload), hex. */
  commitment: string;
}

/** commitment = SM3(salt || JCS(payload)); salt is SALT_LENGTH random bytes kept with the record. */
export function computeCommitment(payload: unknown, salt: Uint8Array): Uint8Array {
  if (salt.length !== SALT_LENGTH) throw new EvidenceError('EVIDENCE_BAD_LENGTH', `salt must be ${SALT_LENGTH} bytes`);
  return sm3(salt, jcs(payload));
}

/**
 * leafBytes = v(1) || kind(1) || id(16) || gateway(32) || subject(32) || ts(8) || commitment(32).
 * Validates every field, so a leaf that encodes is well formed (verification step 2).
 */
export function encodeLeaf(leaf: Leaf): Uint8Array {
  assertLeafShape(leaf);
  if (leaf.v !== LEAF_VERSION) throw new EvidenceError('EVIDENCE_BAD_VERSION', `leaf version must be ${LEAF_VERSION}`);
  if (!isKnownKind(leaf.kind)) {
    throw new EvidenceError('EVIDENCE_UNKNOWN_KIND', `evidence kind ${String(leaf.kind)} is not defined by format v1`);
  }
  const out = new Uint8Array(LEAF_LENGTH);
  out[0] = LEAF_VERSION;
  out[1] = leaf.kind;
  out.set(fromHex(leaf.id, 16, 'leaf.id'), 2);
  out.set(fromHex(leaf.gateway, 32, 'leaf.gateway'), 18);
  out.set(fromHex(leaf.subject, 32, 'leaf.subject'), 50);
  writeUint64(out, 82, assertUint(leaf.ts, 64, 'leaf.ts'));
  out.set(fromHex(leaf.commitment, 32, 'leaf.commitment'), 90);
  return out;
}

/** A leaf's fields as raw bytes, as a gateway holds them while recording. */
export interface LeafFields {
  kind: number;
  id: Uint8Array;
  gateway: Uint8Array;
  subject: Uint8Array;
  ts: number;
  commitment: Uint8Array;
}

/**
 * encodeLeaf for fields already in bytes, written into `out` (LEAF_LENGTH
 * bytes, e.g. a slice of a larger buffer): the same layout and checks without
 * a round trip through hex.
 */
export function writeLeaf(out: Uint8Array, f: LeafFields): Uint8Array {
  if (out.length !== LEAF_LENGTH) throw new EvidenceError('EVIDENCE_BAD_LENGTH', `a leaf takes ${LEAF_LENGTH} bytes`);
  if (!isKnownKind(f.kind)) throw new EvidenceError('EVIDENCE_UNKNOWN_KIND', `evidence kind ${String(f.kind)} is not defined by format v1`);
  for (const [name, field, length] of [['id', f.id, 16], ['gateway', f.gateway, 32], ['subject', f.subject, 32], ['commitment', f.commitment, 32]] as const) {
    if (field.length !== length) throw new EvidenceError('EVIDENCE_BAD_LENGTH', `leaf.${name} must be ${length} bytes, got ${field.length}`);
  }
  out[0] = LEAF_VERSION;
  out[1] = f.kind;
  out.set(f.id, 2);
  out.set(f.gateway, 18);
  out.set(f.subject, 50);
  writeUint64(out, 82, assertUint(f.ts, 64, 'leaf.ts'));
  out.set(f.commitment, 90);
  return out;
}

export function decodeLeaf(bytes: Uint8Array): Leaf {
  if (bytes.length !== LEAF_LENGTH) {
    throw new EvidenceError('EVIDENCE_BAD_LENGTH', `leaf must be ${LEAF_LENGTH} bytes, got ${bytes.length}`);
  }
  const leaf: Leaf = {
    v: bytes[0]!,
    kind: bytes[1]!,
    id: toHex(bytes.subarray(2, 18)),
    gateway: toHex(bytes.subarray(18, 50)),
    subject: toHex(bytes.subarray(50, 82)),
    ts: readUint64(bytes, 82, 'leaf.ts'),
    commitment: toHex(bytes.subarray(90, 122)),
  };
  encodeLeaf(leaf); // same checks (version, kind) as for a leaf from JSON
  return leaf;
}

/** leafHash = H(0x00 || leafBytes) under the batch's algorithm. */
export function leafHash(alg: HashAlg, leaf: Leaf | Uint8Array): Uint8Array {
  const bytes = leaf instanceof Uint8Array ? leaf : encodeLeaf(leaf);
  return hashLeaf(hashFor(alg), bytes);
}

const LEAF_KEYS = ['v', 'kind', 'id', 'gateway', 'subject', 'ts', 'commitment'] as const;

function assertLeafShape(leaf: unknown): asserts leaf is Leaf {
  if (typeof leaf !== 'object' || leaf === null || Array.isArray(leaf)) {
    throw new EvidenceError('BUNDLE_MALFORMED', 'leaf must be an object');
  }
  for (const key of LEAF_KEYS) {
    if (!(key in leaf)) throw new EvidenceError('BUNDLE_MALFORMED', `leaf.${key} is missing`);
  }
  assertUint((leaf as Leaf).v, 8, 'leaf.v');
  assertUint((leaf as Leaf).kind, 8, 'leaf.kind');
}
