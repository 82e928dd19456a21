import { sm2 as sm2lib } from 'sm-crypto-v2';
import { fromHex, toHex, utf8 } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';
import { sm3 } from '../hash/sm3.js';
import { addMultiple, generatorTable, invert, mod, N, Point, pointTable, toBigInt, zPrefix, type CurvePoint, type PointTable } from './curve.js';

/**
 * SM2 signatures per GB/T 32918.2 with the default user ID 1234567812345678:
 * e = SM3(Z || M), signature r || s (64 bytes), public key 04 || x || y (65 bytes).
 *
 * Curve arithmetic is sm-crypto-v2's; the signature equations are written out
 * here (curve.ts says why), so e is always SM3(Z || M) and never the raw
 * message taken as an integer (which would not be SM2, and forgeable).
 */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

export interface Sm2KeyPair {
  /** 32-byte private scalar, lowercase hex. */
  readonly privateKey: string;
  /** 65-byte uncompressed point, lowercase hex. */
  readonly publicKey: string;
}

/** A public key prepared once for repeated verification (several times faster per check). */
export interface Sm2PreparedKey {
  readonly publicKey: string;
  /** Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) for the default user ID: fixed per key. */
  readonly z: Uint8Array;
  /** Multiples of the key point (curve.ts). */
  readonly table: PointTable;
}

const PRIVATE_KEY_RE = /^[0-9a-f]{64}$/;
const PUBLIC_KEY_RE = /^04[0-9a-f]{128}$/;
const SIGNATURE_RE = /^[0-9a-f]{128}$/;

const Z_PREFIX = zPrefix(utf8(SM2_DEFAULT_USER_ID));

/** Z of a validated uncompressed public key (04 || x || y). */
function zOf(publicKey: string): Uint8Array {
  return sm3(Z_PREFIX, fromHex(publicKey.slice(2), 64, 'public key'));
}

export function generateSm2KeyPair(): Sm2KeyPair {
  const kp = sm2lib.generateKeyPairHex();
  return { privateKey: kp.privateKey.padStart(64, '0'), publicKey: kp.publicKey };
}

export function sm2PublicKeyFromPrivate(privateKey: string): string {
  assertPrivateKey(privateKey);
  return sm2lib.getPublicKeyFromPrivateKey(privateKey);
}

export function isValidSm2PublicKey(publicKey: unknown): publicKey is string {
  if (typeof publicKey !== 'string' || !PUBLIC_KEY_RE.test(publicKey)) return false;
  try {
    return sm2lib.verifyPublicKey(publicKey);
  } catch {
    return false;
  }
}

/**
 * Precomputes multiples of a public key. Window 4 (the default): about 4 ms
 * once, then a verification costs about half of an unprepared one. Window 8:
 * about 25 ms and 700 KiB, for the few keys a device meets on every request.
 */
export function prepareSm2PublicKey(publicKey: string, window = 4): Sm2PreparedKey {
  if (!isValidSm2PublicKey(publicKey)) {
    throw new EvidenceError('SM2_BAD_PUBLIC_KEY', 'public key is not an uncompressed point on the SM2 curve');
  }
  return { publicKey, z: zOf(publicKey), table: pointTable(Point.fromHex(publicKey), window) };
}

// Verifiers meet the same few keys again and again (one per gateway and node),
// so prepared keys are kept in a small LRU. Only keys that passed validation
// enter it, and it is bounded, so hostile input cannot grow it without limit.
const PREPARED_CACHE_SIZE = 256;
const preparedCache = new Map<string, Sm2PreparedKey>();

// A key met once is verified without precomputation (a one-off bundle should
// not pay for a table); a key met twice is worth preparing.
const seenOnce = new Set<string>();

/** A key without a table: the point and its Z. */
interface PlainKey {
  readonly point: CurvePoint;
  readonly z: Uint8Array;
}

/** The key to verify with: a prepared key when this key recurs, else the validated point. */
function verificationKey(publicKey: string): Sm2PreparedKey | PlainKey | undefined {
  const hit = preparedCache.get(publicKey);
  if (hit) {
    preparedCache.delete(publicKey);
    preparedCache.set(publicKey, hit);
    return hit;
  }
  if (!isValidSm2PublicKey(publicKey)) return undefined;
  if (!seenOnce.has(publicKey)) {
    if (seenOnce.size >= PREPARED_CACHE_SIZE) seenOnce.clear();
    seenOnce.add(publicKey);
    return { point: Point.fromHex(publicKey), z: zOf(publicKey) };
  }
  seenOnce.delete(publicKey);
  const prepared = prepareSm2PublicKey(publicKey);
  preparedCache.set(publicKey, prepared);
  if (preparedCache.size > PREPARED_CACHE_SIZE) preparedCache.delete(preparedCache.keys().next().value!);
  return prepared;
}

/** What signing needs of a private key, derived once: d, (1 + d)^-1 mod n and Z of its public key. */
interface SigningKey {
  readonly d: bigint;
  readonly inverse: bigint;
  readonly z: Uint8Array;
}

// A device signs with one or two keys; deriving the public key (for Z) and the
// inverse costs more than a signature, so they are kept, for a few keys only.
const SIGNING_CACHE_SIZE = 16;
const signingCache = new Map<string, SigningKey>();

function signingKey(privateKey: string): SigningKey {
  const hit = signingCache.get(privateKey);
  if (hit) return hit;
  assertPrivateKey(privateKey);
  const d = BigInt('0x' + privateKey);
  const key = { d, inverse: invert(d + 1n, N), z: zOf(sm2lib.getPublicKeyFromPrivateKey(privateKey)) };
  if (signingCache.size >= SIGNING_CACHE_SIZE) signingCache.delete(signingCache.keys().next().value!);
  signingCache.set(privateKey, key);
  return key;
}

/** k uniform in [1, n-1]: 320 random bits reduced mod n-1 (bias below 2^-64), as FIPS 186-5 A.2.1. */
function randomScalar(): bigint {
  return mod(toBigInt(globalThis.crypto.getRandomValues(new Uint8Array(40))), N - 1n) + 1n;
}

/**
 * Signs `message` (the raw M of the spec): e = SM3(Z || M), (x1, y1) = k·G
 * with a fresh random k (constant-time multiplication of the library),
 * r = (e + x1) mod n, s = (1 + d)^-1 · (k - r·d) mod n (GB/T 32918.2 6.1).
 * The public key is derived from the private key once and cached; the
 * `publicKey` argument is accepted for compatibility and not needed.
 */
export function sm2Sign(message: Uint8Array, privateKey: string, _publicKey?: string): Uint8Array {
  const key = signingKey(privateKey);
  const e = toBigInt(sm3(key.z, message));
  for (;;) {
    const k = randomScalar();
    const x1 = Point.BASE.multiply(k).toAffine().x;
    const r = mod(e + x1, N);
    if (r === 0n || r + k === N) continue;
    const s = mod(key.inverse * (k - r * key.d), N);
    if (s === 0n) continue;
    return fromHex(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'), 64, 'signature');
  }
}

/**
 * Verifies an r || s signature over `message` (GB/T 32918.2 7.1): e = SM3(Z || M),
 * t = (r + s) mod n, (x1, y1) = s·G + t·P, valid when (e + x1) mod n = r.
 * Every argument may come from an attacker (a proof bundle, a forwarded hop),
 * so any malformed, out-of-range or off-curve input yields false; this
 * function never throws. All values here are public, so variable-time
 * arithmetic is fine.
 */
export function sm2Verify(message: Uint8Array, signature: Uint8Array, publicKey: string | Sm2PreparedKey): boolean {
  try {
    if (signature.length !== 64) return false;
    const sigHex = toHex(signature);
    if (!SIGNATURE_RE.test(sigHex)) return false;
    const r = BigInt('0x' + sigHex.slice(0, 64));
    const s = BigInt('0x' + sigHex.slice(64));
    if (r === 0n || r >= N || s === 0n || s >= N) return false;
    const key = typeof publicKey === 'string' ? verificationKey(publicKey) : publicKey;
    if (key === undefined) return false;
    const t = mod(r + s, N);
    if (t === 0n) return false;
    const sG = addMultiple(Point.ZERO, generatorTable(), s);
    const sum = 'table' in key ? addMultiple(sG, key.table, t) : sG.add(key.point.multiplyUnsafe(t));
    if (sum.is0()) return false;
    const e = toBigInt(sm3(key.z, message));
    return mod(e + sum.toAffine().x, N) === r;
  } catch {
    return false;
  }
}

function assertPrivateKey(privateKey: string): void {
  if (typeof privateKey !== 'string' || !PRIVATE_KEY_RE.test(privateKey)) {
    throw new EvidenceError('SM2_BAD_PRIVATE_KEY', 'private key must be 32 bytes of lowercase hex');
  }
  const d = BigInt('0x' + privateKey);
  if (d === 0n || d >= N - 1n) {
    throw new EvidenceError('SM2_BAD_PRIVATE_KEY', 'private key is out of range [1, n-2]');
  }
}
