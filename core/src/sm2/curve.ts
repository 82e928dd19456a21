import { sm2 as sm2lib } from 'sm-crypto-v2';

/**
 * Point arithmetic for SM2, done with sm-crypto-v2's own curve points (its
 * noble-curves projective points: add, double, negate, toAffine). What this
 * module adds is only the order of operations for verification, where every
 * input is public: s·G + t·P in one accumulator over precomputed windows,
 * with a single inversion at the end, instead of two constant-time
 * multiplications that each normalise (three inversions, about 65 µs each).
 */

/** The part of sm-crypto-v2's projective points used here. */
export interface CurvePoint {
  add(other: CurvePoint): CurvePoint;
  double(): CurvePoint;
  negate(): CurvePoint;
  /** Constant-time (for secret scalars: signing). */
  multiply(scalar: bigint): CurvePoint;
  /** Variable-time (public scalars only). */
  multiplyUnsafe(scalar: bigint): CurvePoint;
  is0(): boolean;
  toAffine(): { x: bigint; y: bigint };
}

interface PointClass {
  readonly BASE: CurvePoint;
  readonly ZERO: CurvePoint;
  fromHex(hex: string): CurvePoint;
  normalizeZ(points: CurvePoint[]): CurvePoint[];
}

/** Order n of the SM2 curve. */
export const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = P - 3n;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

const hex32 = (v: bigint) => v.toString(16).padStart(64, '0');
export const GENERATOR_HEX = `04${hex32(GX)}${hex32(GY)}`;

/**
 * sm-crypto-v2 does not export its curve, only points; the point class is
 * reached through a point it returns (the generator, parsed by the library).
 */
export const Point: PointClass = (sm2lib.precomputePublicKey(GENERATOR_HEX, 1) as unknown as { constructor: PointClass }).constructor;

/** Multiples of one point: for each window i, j · 2^(w·i) · P for j = 1 .. 2^(w-1), all affine. */
export interface PointTable {
  readonly window: number;
  readonly points: readonly CurvePoint[];
}

const SCALAR_BITS = 256;

/** Builds the window table of a point (window 4: 520 points, a few ms; window 8: 4 224 points, about 25 ms). */
export function pointTable(point: CurvePoint, window: number): PointTable {
  if (!Number.isInteger(window) || window < 2 || window > 12) throw new RangeError('window must be 2..12');
  const windows = Math.ceil(SCALAR_BITS / window) + 1;
  const size = 2 ** (window - 1);
  const points: CurvePoint[] = [];
  let p = point;
  for (let w = 0; w < windows; w++) {
    let multiple = p;
    points.push(multiple);
    for (let j = 1; j < size; j++) {
      multiple = multiple.add(p);
      points.push(multiple);
    }
    p = multiple.double();
  }
  // Affine (Z = 1) entries make every later addition cheaper.
  return { window, points: Point.normalizeZ(points) };
}

/**
 * acc + k·P from P's table, in signed windows (wNAF digits), skipping zero
 * digits. Variable-time: for public scalars only (verification).
 */
export function addMultiple(acc: CurvePoint, table: PointTable, scalar: bigint): CurvePoint {
  const { window, points } = table;
  const size = 2 ** (window - 1);
  const full = 2 ** window;
  const mask = BigInt(full - 1);
  const shift = BigInt(window);
  const windows = points.length / size;
  let k = scalar;
  for (let w = 0; k > 0n; w++) {
    if (w >= windows) throw new RangeError('scalar out of range');
    let digit = Number(k & mask);
    k >>= shift;
    if (digit > size) {
      digit -= full;
      k += 1n;
    }
    if (digit === 0) continue;
    const entry = points[w * size + Math.abs(digit) - 1]!;
    acc = acc.add(digit < 0 ? entry.negate() : entry);
  }
  return acc;
}

let baseTable: PointTable | undefined;

/** The generator's window-8 table, built on first use (about 25 ms, once per thread). */
export function generatorTable(): PointTable {
  return (baseTable ??= pointTable(Point.BASE, 8));
}

/** ENTL || ID || a || b || xG || yG: the fixed start of Z for a user ID. */
export function zPrefix(userId: Uint8Array): Uint8Array {
  const bits = userId.length * 8;
  const out = new Uint8Array(2 + userId.length + 128);
  out[0] = (bits >> 8) & 0xff;
  out[1] = bits & 0xff;
  out.set(userId, 2);
  let at = 2 + userId.length;
  for (const v of [A, B, GX, GY]) {
    const h = hex32(v);
    for (let i = 0; i < 32; i++) out[at + i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
    at += 32;
  }
  return out;
}

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** a^-1 mod m (m prime, a not 0 mod m), extended Euclid. */
export function invert(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}

/** Big-endian bytes to an integer. */
export function toBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return BigInt('0x' + (hex || '0'));
}
