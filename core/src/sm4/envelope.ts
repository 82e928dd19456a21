import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { concatBytes, equalBytes, utf8 } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import { randomOf } from '../random.js';

/**
 * Authenticated encryption for payloads at rest: SM4-CTR, then HMAC-SM3 over
 * version || iv || ciphertext || associated data (encrypt-then-MAC). Node's
 * OpenSSL has SM4 but not SM4-GCM, so the MAC is composed here.
 *
 * Envelope layout: version(1) = 1 || iv(16) || ciphertext || tag(32).
 * A 32-byte key is split by HMAC-SM3 into an SM4 key and a MAC key, so one
 * key never serves two algorithms.
 */
const VERSION = 1;
const IV_LEN = 16;
const TAG_LEN = 32;
export const KEY_LENGTH = 32;

export function generateKey(): Uint8Array {
  return randomOf(KEY_LENGTH);
}

export function seal(plaintext: Uint8Array, key: Uint8Array, associatedData: Uint8Array = new Uint8Array(0)): Uint8Array {
  const { encKey, macKey } = deriveKeys(key);
  const iv = randomOf(IV_LEN);
  const cipher = createCipheriv('sm4-ctr', encKey, iv);
  const ciphertext = concatBytes(cipher.update(plaintext), cipher.final());
  const head = concatBytes(new Uint8Array([VERSION]), iv, ciphertext);
  return concatBytes(head, mac(macKey, head, associatedData));
}

export function open(envelope: Uint8Array, key: Uint8Array, associatedData: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (envelope.length < 1 + IV_LEN + TAG_LEN || envelope[0] !== VERSION) {
    throw new EvidenceError('SM4_BAD_ENVELOPE', 'not a version 1 SM4 envelope');
  }
  const { encKey, macKey } = deriveKeys(key);
  const head = envelope.subarray(0, envelope.length - TAG_LEN);
  const tag = envelope.subarray(envelope.length - TAG_LEN);
  // Check the tag before decrypting anything: the envelope may have been tampered with on disk.
  if (!timingSafeEqual(tag, mac(macKey, head, associatedData))) {
    throw new EvidenceError('SM4_AUTH_FAILED', 'the SM4 envelope failed authentication (wrong key, or altered data)');
  }
  const decipher = createDecipheriv('sm4-ctr', encKey, head.subarray(1, 1 + IV_LEN));
  return concatBytes(decipher.update(head.subarray(1 + IV_LEN)), decipher.final());
}

/**
 * Wraps a per-record data key under the master key, bound to the record id, so a
 * wrapped key copied onto another record fails authentication. Erasing the
 * wrapped key erases the payload: the ciphertext can no longer be opened.
 */
export function wrapKey(dataKey: Uint8Array, masterKey: Uint8Array, recordId: Uint8Array): Uint8Array {
  assertKey(dataKey);
  return seal(dataKey, masterKey, concatBytes(utf8('wrap:'), recordId));
}

export function unwrapKey(wrapped: Uint8Array, masterKey: Uint8Array, recordId: Uint8Array): Uint8Array {
  return open(wrapped, masterKey, concatBytes(utf8('wrap:'), recordId));
}

interface SubKeys {
  /** A copy of the key they were derived from: a caller may reuse its buffer for another key. */
  key: Uint8Array;
  encKey: Buffer;
  macKey: Buffer;
}

/** Long-lived keys (the master key seals every key block) are split once, not on every seal. */
const derived = new WeakMap<Uint8Array, SubKeys>();

function deriveKeys(key: Uint8Array): SubKeys {
  assertKey(key);
  const cached = derived.get(key);
  if (cached && equalBytes(cached.key, key)) return cached;
  const encKey = createHmac('sm3', key).update('sm4-ctr').digest().subarray(0, 16);
  const macKey = createHmac('sm3', key).update('hmac-sm3').digest();
  const sub = { key: key.slice(), encKey, macKey };
  derived.set(key, sub);
  return sub;
}

function mac(macKey: Buffer, head: Uint8Array, associatedData: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(associatedData.length));
  // The associated data's length is bound too, so bytes cannot move between head and AD.
  return createHmac('sm3', macKey).update(head).update(associatedData).update(len).digest();
}

function assertKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new EvidenceError('SM4_BAD_KEY', `an SM4 envelope key must be ${KEY_LENGTH} bytes`);
  }
}
