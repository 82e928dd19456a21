import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../encoding/bytes.js';
import {
  generateSm2KeyPair,
  isValidSm2PublicKey,
  prepareSm2PublicKey,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
} from './sm2.js';

const N = 'fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123';
const { sm2: legacy } = smCrypto;

describe('SM2 (GB/T 32918.2, default user ID)', () => {
  const keys = generateSm2KeyPair();
  const message = utf8('处方 RX-2026-0001 已审核');

  it('cross-checks with sm-crypto both ways', () => {
    const ours = sm2Sign(message, keys.privateKey);
    const msgHex = toHex(message);
    // sm-crypto takes a hex message as an array of bytes
    const msgArray = Array.from(fromHex(msgHex));
    expect(legacy.doVerifySignature(msgArray as unknown as string, toHex(ours), keys.publicKey, { hash: true })).toBe(true);
    const theirs = legacy.doSignature(msgArray as unknown as string, keys.privateKey, { hash: true });
    expect(sm2Verify(message, fromHex(theirs.padStart(128, '0')), keys.publicKey)).toBe(true);
  });

  it('agrees with sm-crypto over many keys and messages, with every kind of key (hex, window 4, window 8)', () => {
    for (let i = 0; i < 12; i++) {
      const kp = generateSm2KeyPair();
      const msg = utf8(`hop ${i} `.repeat(i * 7));
      const msgArray = Array.from(msg) as unknown as string;
      const ours = sm2Sign(msg, kp.privateKey);
      const theirs = fromHex(legacy.doSignature(msgArray, kp.privateKey, { hash: true }).padStart(128, '0'));
      expect(legacy.doVerifySignature(msgArray, toHex(ours), kp.publicKey, { hash: true })).toBe(true);
      for (const key of [kp.publicKey, prepareSm2PublicKey(kp.publicKey), prepareSm2PublicKey(kp.publicKey, 8)]) {
        expect(sm2Verify(msg, ours, key)).toBe(true);
        expect(sm2Verify(msg, theirs, key)).toBe(true);
        const flipped = ours.slice();
        flipped[i]! ^= 0x80;
        expect(sm2Verify(msg, flipped, key)).toBe(false);
        expect(sm2Verify(utf8(`other ${i}`), ours, key)).toBe(false);
      }
    }
  });

  it('signs with the key it is given, whatever public key is passed along', () => {
    const other = generateSm2KeyPair();
    const sig = sm2Sign(message, keys.privateKey, other.publicKey);
    expect(sm2Verify(message, sig, keys.publicKey)).toBe(true);
  });

  it('derives the public key, and verifies with a prepared key', () => {
    expect(sm2PublicKeyFromPrivate(keys.privateKey)).toBe(keys.publicKey);
    const sig = sm2Sign(message, keys.privateKey, keys.publicKey);
    expect(sm2Verify(message, sig, prepareSm2PublicKey(keys.publicKey))).toBe(true);
  });

  it('signs with fresh randomness (two signatures differ, both verify)', () => {
    const a = sm2Sign(message, keys.privateKey);
    const b = sm2Sign(message, keys.privateKey);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(sm2Verify(message, a, keys.publicKey) && sm2Verify(message, b, keys.publicKey)).toBe(true);
  });

  it('rejects another key, another message and every flipped signature byte', () => {
    const sig = sm2Sign(message, keys.privateKey);
    expect(sm2Verify(message, sig, generateSm2KeyPair().publicKey)).toBe(false);
    expect(sm2Verify(utf8('处方 RX-2026-0002 已审核'), sig, keys.publicKey)).toBe(false);
    for (let i = 0; i < 64; i++) {
      const bad = sig.slice();
      bad[i]! ^= 0x01;
      expect(sm2Verify(message, bad, keys.publicKey)).toBe(false);
    }
  });

  it('returns false, never throws, on malformed or out-of-range input', () => {
    const sig = sm2Sign(message, keys.privateKey);
    const r = toHex(sig).slice(0, 64);
    const s = toHex(sig).slice(64);
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), keys.publicKey],
      [new Uint8Array(63), keys.publicKey],
      [new Uint8Array(65), keys.publicKey],
      [new Uint8Array(64), keys.publicKey], // r = 0, s = 0
      [fromHex(r + '0'.repeat(64)), keys.publicKey], // s = 0
      [fromHex(r + N), keys.publicKey], // s = n
      [fromHex(N + s), keys.publicKey], // r = n
      [fromHex('ff'.repeat(64)), keys.publicKey], // both above n
      [sig, ''],
      [sig, '04' + '00'.repeat(64)], // not on the curve
      [sig, keys.publicKey.slice(0, 66)], // compressed-length
      [sig, keys.publicKey.toUpperCase()],
      [sig, 'zz' + keys.publicKey.slice(2)],
    ];
    for (const [signature, pub] of cases) {
      expect(() => sm2Verify(message, signature, pub)).not.toThrow();
      expect(sm2Verify(message, signature, pub)).toBe(false);
    }
  });

  it('validates keys', () => {
    expect(isValidSm2PublicKey(keys.publicKey)).toBe(true);
    expect(isValidSm2PublicKey('04' + '11'.repeat(64))).toBe(false);
    expect(() => prepareSm2PublicKey('04')).toThrow(expect.objectContaining({ code: 'SM2_BAD_PUBLIC_KEY' }));
    expect(() => sm2Sign(message, '00'.repeat(32))).toThrow(expect.objectContaining({ code: 'SM2_BAD_PRIVATE_KEY' }));
    expect(() => sm2Sign(message, N)).toThrow(expect.objectContaining({ code: 'SM2_BAD_PRIVATE_KEY' }));
    expect(() => sm2Sign(message, 'xyz')).toThrow(expect.objectContaining({ code: 'SM2_BAD_PRIVATE_KEY' }));
  });
});
