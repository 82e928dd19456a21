import { sm2 as sm2lib } from 'sm-crypto-v2';
import { fromHex, toHex } from '../encoding/bytes.js';
import { EvidenceError } from '../errors.js';

/**
 * SM2 signatures per GB/T 32918.2 with the default user ID 1234567812345678:
 * e = SM3(Z || M), signature r || s (64 bytes), public key 04 || x || y (65 bytes).
 *
 * sm-crypto-v2 is always called with { hash: true }: with hash: false it would
 * sign the raw message as an integer, which is not SM2 and is forgeable.
 */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

export interface Sm2KeyPair {
  /** 32-byte private scalar, lowercase hex. */
  readonly privateKey: string;
  /** 65-byte uncompressed point, lowercase hex. */
  readonly publicKey: string;
}

/** A public key prepared once for repeated verification (about 3× faster per check). */
export interface Sm2PreparedKey {
  readonly publicKey: string;
  readonly point: ReturnType<typeof sm2lib.precomputePublicKey>;
}

const PRIVATE_KEY_RE = /^[0-9a-f]{64}$/;
const PUBLIC_KEY_RE = /^04[0-9a-f]{128}$/;
const SIGNATURE_RE = /^[0-9a-f]{128}$/;
// Order n of the SM2 curve: a private key must lie in [1, n-2].
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

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
 * Precomputes multiples of a public key (window 4: about 8 ms once, then each
 * verification takes about 1.1 ms instead of 5 ms; window 8 would cost 75 ms).
 */
export function prepareSm2PublicKey(publicKey: string): Sm2PreparedKey {
  if (!isValidSm2PublicKey(publicKey)) {
    throw new EvidenceError('SM2_BAD_PUBLIC_KEY', 'public key is not an uncompressed point on the SM2 curve');
  }
  return { publicKey, point: sm2lib.precomputePublicKey(publicKey, 4) };
}

// Verifiers meet the same few keys again and again (one per gateway and node),
// so prepared keys are kept in a small LRU. Only keys that passed validation
// enter it, and it is bounded, so hostile input cannot grow it without limit.
const PREPARED_CACHE_SIZE = 256;
const preparedCache = new Map<string, Sm2PreparedKey>();

// A key met once is verified without precomputation (a one-off bundle should
// not pay 8 ms to save 4); a key met twice is worth preparing.
const seenOnce = new Set<string>();

/** The key to verify with: a prepared key when this key recurs, else the validated hex key. */
function verificationKey(publicKey: string): Sm2PreparedKey['point'] | string | undefined {
  const hit = preparedCache.get(publicKey);
  if (hit) {
    preparedCache.delete(publicKey);
    preparedCache.set(publicKey, hit);
    return hit.point;
  }
  if (!isValidSm2PublicKey(publicKey)) return undefined;
  if (!seenOnce.has(publicKey)) {
    if (seenOnce.size >= PREPARED_CACHE_SIZE) seenOnce.clear();
    seenOnce.add(publicKey);
    return publicKey;
  }
  seenOnce.delete(publicKey);
  const prepared = prepareSm2PublicKey(publicKey);
  preparedCache.set(publicKey, prepared);
  if (preparedCache.size > PREPARED_CACHE_SIZE) preparedCache.delete(preparedCache.keys().next().value!);
  return prepared.point;
}

/**
 * Signs `message` (the raw M of the spec; Z and SM3 are applied here).
 * `publicKey` may be passed to skip deriving it from the private key on every call.
 */
export function sm2Sign(message: Uint8Array, privateKey: string, publicKey?: string): Uint8Array {
  assertPrivateKey(privateKey);
  const pub = publicKey ?? sm2lib.getPublicKeyFromPrivateKey(privateKey);
  const sigHex = sm2lib.doSignature(message, privateKey, {
    hash: true,
    der: false,
    publicKey: pub,
    userId: SM2_DEFAULT_USER_ID,
  });
  return fromHex(sigHex.padStart(128, '0'), 64, 'signature');
}

/**
 * Verifies an r || s signature over `message`. Every argument may come from an
 * attacker (a proof bundle, a forwarded hop), so any malformed, out-of-range or
 * off-curve input yields false; this function never throws.
 */
export function sm2Verify(message: Uint8Array, signature: Uint8Array, publicKey: string | Sm2PreparedKey): boolean {
  try {
    if (signature.length !== 64) return false;
    const sigHex = toHex(signature);
    if (!SIGNATURE_RE.test(sigHex)) return false;
    const r = BigInt('0x' + sigHex.slice(0, 64));
    const s = BigInt('0x' + sigHex.slice(64));
    if (r === 0n || r >= N || s === 0n || s >= N) return false;
    const key = typeof publicKey === 'string' ? verificationKey(publicKey) : publicKey.point;
    if (key === undefined) return false;
    return sm2lib.doVerifySignature(message, sigHex, key, {
      hash: true,
      der: false,
      userId: SM2_DEFAULT_USER_ID,
    });
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
