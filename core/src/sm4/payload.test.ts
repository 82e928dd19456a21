import { describe, expect, it } from 'vitest';
// An independent SM4 (pure JavaScript) checks the counter-mode keystream OpenSSL produces.
import smCrypto from 'sm-crypto';
import { toHex, utf8 } from '../encoding/bytes.js';
import { decryptPayload, encryptPayload, encryptPayloadInto, generateDataKey, PAYLOAD_VERSION } from './payload.js';

/** SM4-CTR by hand: keystream block i = SM4-ECB(key, counter + i), the counter a 128-bit big-endian integer. */
function ctrReference(plaintext: Uint8Array, dataKey: Uint8Array): Uint8Array {
  const key = toHex(dataKey.subarray(0, 16));
  let counter = BigInt(`0x${toHex(dataKey.subarray(16))}`);
  const out = new Uint8Array(plaintext.length);
  for (let at = 0; at < plaintext.length; at += 16, counter = (counter + 1n) % (1n << 128n)) {
    const block = [...Buffer.from(counter.toString(16).padStart(32, '0'), 'hex')];
    const stream = smCrypto.sm4.encrypt(block, key, { padding: 'none', output: 'array' }) as number[];
    for (let i = 0; i < 16 && at + i < plaintext.length; i++) out[at + i] = plaintext[at + i]! ^ stream[i]!;
  }
  return out;
}

describe('SM4 payload cipher (one data key per record, integrity from the commitment)', () => {
  const plaintext = utf8('{"patient":"张三","rx":"RX-2026-0001","drugs":[{"name":"阿莫西林胶囊","qty":2}]}');

  it('round-trips and hides the plaintext', () => {
    const key = generateDataKey();
    const sealed = encryptPayload(plaintext, key);
    expect(sealed[0]).toBe(PAYLOAD_VERSION);
    expect(sealed.length).toBe(1 + plaintext.length);
    expect(Buffer.from(sealed).includes(Buffer.from(plaintext.subarray(0, 8)))).toBe(false);
    expect(decryptPayload(sealed, key)).toEqual(plaintext);
    expect(decryptPayload(encryptPayload(new Uint8Array(0), key), key)).toEqual(new Uint8Array(0));
  });

  it('is SM4-CTR as an independent SM4 computes it, including the counter carry', () => {
    const key = generateDataKey();
    expect(toHex(encryptPayload(plaintext, key).subarray(1))).toBe(toHex(ctrReference(plaintext, key)));
    const carry = new Uint8Array(32).fill(0xff); // counter 2^128 - 1 wraps after the first block
    carry.set(key.subarray(0, 16));
    expect(toHex(encryptPayload(plaintext, carry).subarray(1))).toBe(toHex(ctrReference(plaintext, carry)));
  });

  it('gives other bytes under another key: a moved or re-keyed ciphertext fails the commitment check', () => {
    const sealed = encryptPayload(plaintext, generateDataKey());
    expect(toHex(decryptPayload(sealed, generateDataKey()))).not.toBe(toHex(plaintext));
  });

  it('encrypts into a slice of a larger buffer, touching nothing around it, or refuses a slice of the wrong size', () => {
    const key = generateDataKey();
    const arena = new Uint8Array(8 + 1 + plaintext.length + 8).fill(0xaa);
    const slot = arena.subarray(8, 8 + 1 + plaintext.length);
    expect(encryptPayloadInto(plaintext, key, slot)).toBe(slot);
    expect(slot).toEqual(encryptPayload(plaintext, key));
    expect(arena.subarray(0, 8).every((b) => b === 0xaa) && arena.subarray(-8).every((b) => b === 0xaa)).toBe(true);
    expect(() => encryptPayloadInto(plaintext, key, arena.subarray(8, 8 + plaintext.length))).toThrow(expect.objectContaining({ code: 'SM4_BAD_ENVELOPE' }));
  });

  it('refuses other versions, empty input and keys of the wrong length', () => {
    const key = generateDataKey();
    const sealed = encryptPayload(plaintext, key);
    const v1 = sealed.slice();
    v1[0] = 1;
    expect(() => decryptPayload(v1, key)).toThrow(expect.objectContaining({ code: 'SM4_BAD_ENVELOPE' }));
    expect(() => decryptPayload(new Uint8Array(0), key)).toThrow(expect.objectContaining({ code: 'SM4_BAD_ENVELOPE' }));
    expect(() => encryptPayload(plaintext, new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'SM4_BAD_KEY' }));
    expect(() => decryptPayload(sealed, new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'SM4_BAD_KEY' }));
  });
});
