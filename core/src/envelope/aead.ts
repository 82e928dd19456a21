import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { concatBytes } from '../encoding/bytes.js';
import { randomOf } from '../random.js';
import { EnvelopeError } from './errors.js';

/**
 * SM4-CBC then HMAC-SM3 (encrypt-then-MAC) under a 32-byte content key: the
 * SM4 key and the MAC key are split from it by HMAC-SM3, so one key never
 * serves two algorithms. The tag covers the version, the wrapped key (when
 * there is one), the IV, the ciphertext and the associated data with its
 * length, so no byte can move between them; it is checked before anything
 * is decrypted (no padding oracle). Node 20's OpenSSL has no sm4-gcm, so the
 * authenticated mode is composed here; see README.md beside this file.
 */
export const CONTENT_KEY_LENGTH = 32;
const IV_LENGTH = 16;
export const TAG_LENGTH = 32;

export interface Sealed {
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, header: Uint8Array, associatedData: Uint8Array): Sealed {
  const { encKey, macKey } = split(key);
  const iv = randomOf(IV_LENGTH);
  const cipher = createCipheriv('sm4-cbc', encKey, iv);
  const ciphertext = concatBytes(cipher.update(plaintext), cipher.final());
  return { iv, ciphertext, tag: mac(macKey, header, iv, ciphertext, associatedData) };
}

export function aeadOpen(key: Uint8Array, sealed: Sealed, header: Uint8Array, associatedData: Uint8Array): Uint8Array {
  const { encKey, macKey } = split(key);
  if (sealed.iv.length !== IV_LENGTH || sealed.tag.length !== TAG_LENGTH || sealed.ciphertext.length % 16 !== 0 || sealed.ciphertext.length === 0) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'the envelope\'s IV, ciphertext or tag has the wrong length');
  }
  if (!timingSafeEqual(sealed.tag, mac(macKey, header, sealed.iv, sealed.ciphertext, associatedData))) {
    throw new EnvelopeError('ENVELOPE_AUTH_FAILED', 'the envelope failed authentication (its ciphertext or associated data was altered)');
  }
  const decipher = createDecipheriv('sm4-cbc', encKey, sealed.iv);
  try {
    return concatBytes(decipher.update(sealed.ciphertext), decipher.final());
  } catch {
    // Unreachable with a valid tag unless the sender itself padded wrongly.
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'the envelope\'s padding is invalid');
  }
}

export function generateContentKey(): Uint8Array {
  return randomOf(CONTENT_KEY_LENGTH);
}

/** A key for another use of the same content key (the response), by HMAC-SM3 with a label. */
export function deriveKey(key: Uint8Array, label: string): Uint8Array {
  return new Uint8Array(createHmac('sm3', key).update(label).digest());
}

function split(key: Uint8Array): { encKey: Buffer; macKey: Buffer } {
  if (!(key instanceof Uint8Array) || key.length !== CONTENT_KEY_LENGTH) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', `a content key is ${CONTENT_KEY_LENGTH} bytes`);
  }
  return {
    encKey: createHmac('sm3', key).update('sm4-cbc').digest().subarray(0, 16),
    macKey: createHmac('sm3', key).update('hmac-sm3').digest(),
  };
}

function mac(macKey: Buffer, header: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Buffer {
  const lengths = Buffer.alloc(24);
  lengths.writeBigUInt64BE(BigInt(header.length), 0);
  lengths.writeBigUInt64BE(BigInt(ciphertext.length), 8);
  lengths.writeBigUInt64BE(BigInt(associatedData.length), 16);
  return createHmac('sm3', macKey).update(header).update(iv).update(ciphertext).update(associatedData).update(lengths).digest();
}
