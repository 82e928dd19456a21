import { sm2 as sm2lib } from 'sm-crypto-v2';
import { concatBytes, equalBytes, fromHex } from '../encoding/bytes.js';
import { sm3 } from '../hash/sm3.js';
import { mod, N, Point, toBigInt, type CurvePoint } from '../sm2/curve.js';
import { EnvelopeError } from './errors.js';

/**
 * SM2 public-key encryption (GB/T 32918.4), ciphertext C1 || C3 || C2:
 * C1 = k·G (65 bytes, 04 || x || y), C3 = SM3(x2 || M || y2) (32 bytes),
 * C2 = M xor KDF(x2 || y2, |M|), where (x2, y2) = k·P of the recipient.
 * Written, as the signatures in ../sm2 are, over sm-crypto-v2's curve points
 * (constant-time multiplication for the secret k and d); its own doEncrypt
 * and doDecrypt read and write the same bytes (the unit test checks both ways).
 */
export const SM2_CIPHERTEXT_OVERHEAD = 65 + 32;

const COORD = 32;

export function sm2Encrypt(message: Uint8Array, publicKey: string): Uint8Array {
  if (message.length === 0) throw new EnvelopeError('ENVELOPE_MALFORMED', 'SM2 encryption of an empty message');
  const recipient = point(publicKey, 'ENVELOPE_MALFORMED');
  for (;;) {
    const k = mod(toBigInt(globalThis.crypto.getRandomValues(new Uint8Array(40))), N - 1n) + 1n;
    const c1 = encodePoint(Point.BASE.multiply(k));
    const shared = coordinates(recipient.multiply(k));
    const t = kdf(shared, message.length);
    // An all-zero key stream would leave M in clear (GB/T 32918.4 6.1 A5): draw k again.
    if (t.every((b) => b === 0)) continue;
    const c2 = xor(message, t);
    const c3 = sm3(shared.subarray(0, COORD), message, shared.subarray(COORD));
    return concatBytes(c1, c3, c2);
  }
}

/** Throws ENVELOPE_WRONG_RECIPIENT when C3 does not match: another recipient's key, or altered bytes. */
export function sm2Decrypt(ciphertext: Uint8Array, privateKey: string): Uint8Array {
  if (ciphertext.length <= SM2_CIPHERTEXT_OVERHEAD) throw new EnvelopeError('ENVELOPE_MALFORMED', 'SM2 ciphertext too short');
  const d = toBigInt(fromHex(privateKey, 32, 'private key'));
  if (d === 0n || d >= N - 1n) throw new EnvelopeError('ENVELOPE_MALFORMED', 'private key out of range');
  // C1 comes from the sender (an attacker, maybe): Point.fromHex refuses a point off the curve.
  let c1: CurvePoint;
  try {
    c1 = Point.fromHex(Buffer.from(ciphertext.subarray(0, 65)).toString('hex'));
  } catch {
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'C1 is not a point on the SM2 curve');
  }
  if (c1.is0()) throw new EnvelopeError('ENVELOPE_MALFORMED', 'C1 is the point at infinity');
  const shared = coordinates(c1.multiply(d));
  const c3 = ciphertext.subarray(65, 65 + 32);
  const c2 = ciphertext.subarray(65 + 32);
  const message = xor(c2, kdf(shared, c2.length));
  if (!equalBytes(sm3(shared.subarray(0, COORD), message, shared.subarray(COORD)), c3)) {
    throw new EnvelopeError('ENVELOPE_WRONG_RECIPIENT', 'the SM2 ciphertext does not decrypt with this key (C3 differs)');
  }
  return message;
}

/** KDF of GB/T 32918.4 5.4.3 with SM3: SM3(Z || ct) for ct = 1, 2, ..., truncated to `length` bytes. */
export function sm2Kdf(z: Uint8Array, length: number): Uint8Array {
  return kdf(z, length);
}

function kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  const counter = new Uint8Array(4);
  for (let i = 0, at = 0; at < length; i++, at += 32) {
    new DataView(counter.buffer).setUint32(0, i + 1);
    out.set(sm3(z, counter), at);
  }
  return out.subarray(0, length);
}

// A gateway seals to the few registered keys of the institutions it calls: each recipient's point
// is kept with a window-8 table of its multiples (the library's constant-time multiplication uses it),
// which makes k·P several times cheaper after the first time. Bounded, registered keys only reach it.
const RECIPIENTS = 64;
const recipients = new Map<string, CurvePoint>();

function point(publicKey: string, code: 'ENVELOPE_MALFORMED'): CurvePoint {
  const hit = recipients.get(publicKey);
  if (hit) return hit;
  if (typeof publicKey !== 'string' || !/^04[0-9a-f]{128}$/.test(publicKey)) throw new EnvelopeError(code, 'recipient key is not 04 || x || y');
  let p: CurvePoint;
  try {
    // (fromHex refuses a point off the curve)
    Point.fromHex(publicKey);
    p = sm2lib.precomputePublicKey(publicKey, 8) as unknown as CurvePoint;
  } catch {
    throw new EnvelopeError(code, 'recipient key is not a point on the SM2 curve');
  }
  if (recipients.size >= RECIPIENTS) recipients.delete(recipients.keys().next().value!);
  recipients.set(publicKey, p);
  return p;
}

function encodePoint(p: CurvePoint): Uint8Array {
  return concatBytes(new Uint8Array([4]), coordinates(p));
}

function coordinates(p: CurvePoint): Uint8Array {
  const { x, y } = p.toAffine();
  return fromHex(x.toString(16).padStart(64, '0') + y.toString(16).padStart(64, '0'), 64, 'point');
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
