import { assertUint, fromHex, readUint64, toHex, writeUint64 } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import { ALG_CODE, algFromCode, assertHashAlg, hashFor, type HashAlg } from '../hash/alg.js';
import { sm2Sign, sm2Verify, type Sm2PreparedKey } from '../sm2/sm2.js';

export const HEADER_VERSION = 1;
export const HEADER_LENGTH = 122;

/** A batch header (spec section 6) in its JSON shape. */
export interface BatchHeader {
  v: number;
  /** 32-byte gateway id, hex. */
  gateway: string;
  seq: number;
  alg: HashAlg;
  size: number;
  /** 32-byte tree root, hex. */
  root: string;
  /** headerHash of the previous batch, or 32 zero bytes for seq 0; hex. */
  prev: string;
  closedAt: number;
}

/** headerBytes = v(1) || gateway(32) || seq(8) || alg(1) || size(8) || root(32) || prev(32) || closedAt(8). */
export function encodeHeader(header: BatchHeader): Uint8Array {
  if (typeof header !== 'object' || header === null) throw new EvidenceError('BUNDLE_MALFORMED', 'batch must be an object');
  if (header.v !== HEADER_VERSION) throw new EvidenceError('EVIDENCE_BAD_VERSION', `batch version must be ${HEADER_VERSION}`);
  const alg = assertHashAlg(header.alg);
  const size = assertUint(header.size, 64, 'batch.size');
  if (size === 0) throw new EvidenceError('MERKLE_EMPTY_TREE', 'batch.size must be at least 1');
  const out = new Uint8Array(HEADER_LENGTH);
  out[0] = HEADER_VERSION;
  out.set(fromHex(header.gateway, 32, 'batch.gateway'), 1);
  writeUint64(out, 33, assertUint(header.seq, 64, 'batch.seq'));
  out[41] = ALG_CODE[alg];
  writeUint64(out, 42, size);
  out.set(fromHex(header.root, 32, 'batch.root'), 50);
  out.set(fromHex(header.prev, 32, 'batch.prev'), 82);
  writeUint64(out, 114, assertUint(header.closedAt, 64, 'batch.closedAt'));
  return out;
}

export function decodeHeader(bytes: Uint8Array): BatchHeader {
  if (bytes.length !== HEADER_LENGTH) {
    throw new EvidenceError('EVIDENCE_BAD_LENGTH', `header must be ${HEADER_LENGTH} bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== HEADER_VERSION) throw new EvidenceError('EVIDENCE_BAD_VERSION', `batch version must be ${HEADER_VERSION}`);
  return {
    v: bytes[0],
    gateway: toHex(bytes.subarray(1, 33)),
    seq: readUint64(bytes, 33, 'batch.seq'),
    alg: algFromCode(bytes[41]!),
    size: readUint64(bytes, 42, 'batch.size'),
    root: toHex(bytes.subarray(50, 82)),
    prev: toHex(bytes.subarray(82, 114)),
    closedAt: readUint64(bytes, 114, 'batch.closedAt'),
  };
}

/** headerHash = H(headerBytes) under the batch's own algorithm; the next batch's prev. */
export function headerHash(header: BatchHeader): Uint8Array {
  return hashFor(header.alg)(encodeHeader(header));
}

/** The gateway's SM2 signature over M = headerBytes. */
export function signHeader(header: BatchHeader, privateKey: string, publicKey?: string): Uint8Array {
  return sm2Sign(encodeHeader(header), privateKey, publicKey);
}

export function verifyHeaderSignature(
  header: BatchHeader,
  signature: Uint8Array,
  publicKey: string | Sm2PreparedKey,
): boolean {
  let bytes: Uint8Array;
  try {
    bytes = encodeHeader(header);
  } catch {
    return false;
  }
  return sm2Verify(bytes, signature, publicKey);
}
