import { createCipheriv, createDecipheriv } from 'node:crypto';
import { EvidenceError } from '../errors.js';
import { randomOf } from '../random.js';

/**
 * Payload encryption at rest for one evidence record: SM4-CTR under a data
 * key used for that record only.
 *
 * A data key is 32 random bytes: the SM4 key (16) and the initial counter
 * block (16). Because the key encrypts exactly one payload, no IV travels with
 * the ciphertext and no key derivation runs per record.
 *
 * Layout: version(1) = 2 || ciphertext (as long as the plaintext).
 *
 * There is deliberately no MAC here. Integrity comes from the record's
 * commitment, SM3(salt || plaintext) (spec section 4), which is in the leaf and
 * anchored on chain: a reader must recompute it over the decrypted bytes and
 * refuse a mismatch (see `openPayload` in the gateway). Someone who alters the
 * ciphertext on disk (CTR is malleable) or moves it to another record (it then
 * decrypts under the wrong key) changes the plaintext and fails that check;
 * forging a matching commitment would break the Merkle proof anchored on chain,
 * which a local MAC key could never guarantee. Erasing the data key (right to
 * erasure) leaves the ciphertext unreadable.
 */
export const PAYLOAD_VERSION = 2;
export const DATA_KEY_LENGTH = 32;

export function generateDataKey(): Uint8Array {
  return randomOf(DATA_KEY_LENGTH);
}

export function encryptPayload(plaintext: Uint8Array, dataKey: Uint8Array): Uint8Array {
  return encryptPayloadInto(plaintext, dataKey, new Uint8Array(1 + plaintext.length));
}

/**
 * encryptPayload into `out` (1 + plaintext.length bytes, e.g. a slice of a
 * larger buffer), returning it. Intake encrypts thousands of small payloads a
 * second into one buffer: a fresh ArrayBuffer per record costs about 2 µs,
 * as much as encrypting 100 bytes.
 */
export function encryptPayloadInto(plaintext: Uint8Array, dataKey: Uint8Array, out: Uint8Array): Uint8Array {
  if (out.length !== 1 + plaintext.length) {
    throw new EvidenceError('SM4_BAD_ENVELOPE', `a payload ciphertext of ${plaintext.length} bytes takes ${1 + plaintext.length}, got ${out.length}`);
  }
  const cipher = createCipheriv('sm4-ctr', ...split(dataKey));
  out[0] = PAYLOAD_VERSION;
  out.set(cipher.update(plaintext), 1);
  return out;
}

/** Decrypts without any integrity check: the caller checks the commitment. */
export function decryptPayload(sealed: Uint8Array, dataKey: Uint8Array): Uint8Array {
  if (sealed.length < 1 || sealed[0] !== PAYLOAD_VERSION) {
    throw new EvidenceError('SM4_BAD_ENVELOPE', `not a version ${PAYLOAD_VERSION} payload ciphertext`);
  }
  const decipher = createDecipheriv('sm4-ctr', ...split(dataKey));
  return new Uint8Array(decipher.update(sealed.subarray(1)));
}

function split(dataKey: Uint8Array): [Uint8Array, Uint8Array] {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    throw new EvidenceError('SM4_BAD_KEY', `a payload data key must be ${DATA_KEY_LENGTH} bytes`);
  }
  return [dataKey.subarray(0, 16), dataKey.subarray(16, 32)];
}
