import { describe, expect, it } from 'vitest';
import { computeCommitment } from '../leaf.js';
import { toHex, utf8 } from '../encoding/bytes.js';
import { jcs } from '../encoding/jcs.js';
import { generateKey, open, seal, unwrapKey, wrapKey } from './envelope.js';

describe('SM4 envelopes (SM4-CTR + HMAC-SM3, encrypt-then-MAC)', () => {
  const key = generateKey();
  const plaintext = utf8('{"patient":"张三","idNumber":"330106199001011234"}');
  const aad = utf8('record-1');

  it('round-trips and hides the plaintext', () => {
    const env = seal(plaintext, key, aad);
    expect(Buffer.from(env).includes(Buffer.from(plaintext))).toBe(false);
    expect(open(env, key, aad)).toEqual(plaintext);
    expect(toHex(seal(plaintext, key, aad))).not.toBe(toHex(env)); // fresh IV each time
  });

  it('detects every tampered byte, a wrong key and wrong associated data', () => {
    const env = seal(plaintext, key, aad);
    for (let i = 1; i < env.length; i++) {
      const bad = env.slice();
      bad[i]! ^= 0x80;
      expect(() => open(bad, key, aad)).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
    }
    expect(() => open(env, generateKey(), aad)).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
    expect(() => open(env, key, utf8('record-2'))).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
    expect(() => open(env.subarray(0, 20), key, aad)).toThrow(expect.objectContaining({ code: 'SM4_BAD_ENVELOPE' }));
    const v2 = env.slice();
    v2[0] = 2;
    expect(() => open(v2, key, aad)).toThrow(expect.objectContaining({ code: 'SM4_BAD_ENVELOPE' }));
  });

  it('refuses keys of the wrong length', () => {
    expect(() => seal(plaintext, new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'SM4_BAD_KEY' }));
  });

  it('wraps per-record keys bound to the record id', () => {
    const master = generateKey();
    const dataKey = generateKey();
    const idA = utf8('id-a');
    const wrapped = wrapKey(dataKey, master, idA);
    expect(unwrapKey(wrapped, master, idA)).toEqual(dataKey);
    expect(() => unwrapKey(wrapped, master, utf8('id-b'))).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
    expect(() => unwrapKey(wrapped, generateKey(), idA)).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
  });

  it('erasing the data key makes the payload unreadable while its commitment still verifies', () => {
    const payload = { rx: 'RX1', drugs: [{ name: '阿莫西林胶囊', qty: 1 }] };
    const salt = new Uint8Array(32).fill(7);
    const commitment = computeCommitment(payload, salt);
    const master = generateKey();
    const id = utf8('rx-record');
    let wrapped: Uint8Array | undefined = wrapKey(generateKey(), master, id);
    const env = seal(jcs(payload), unwrapKey(wrapped, master, id), id);
    wrapped = undefined; // right to erasure: the wrapped key is deleted
    expect(wrapped).toBeUndefined();
    // Without the data key no key opens the envelope; the commitment is unchanged.
    expect(() => open(env, master, id)).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
    expect(toHex(computeCommitment(payload, salt))).toBe(toHex(commitment));
  });

  it('derives sub-keys from the key bytes, not the buffer: a buffer reused for another key is not confused', () => {
    const buffer = generateKey();
    const first = buffer.slice();
    const env = seal(plaintext, buffer, aad);
    buffer.set(generateKey()); // same buffer, other key
    expect(() => open(env, buffer, aad)).toThrow(expect.objectContaining({ code: 'SM4_AUTH_FAILED' }));
    buffer.set(first);
    expect(open(env, buffer, aad)).toEqual(plaintext);
  });
});
