import { describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from './sm2.js';
import { addMultiple, generatorTable, invert, mod, N, Point, pointTable, toBigInt } from './curve.js';

const same = (a: ReturnType<typeof Point.fromHex>, b: ReturnType<typeof Point.fromHex>) => {
  const [x, y] = [a.toAffine(), b.toAffine()];
  return x.x === y.x && x.y === y.y;
};

describe('windowed multiplication over sm-crypto-v2 points', () => {
  const scalars = [1n, 2n, 3n, 127n, 128n, 129n, 255n, 256n, 2n ** 128n - 1n, 2n ** 255n, N - 2n, N - 1n, 0xabcdef1234567890abcdef1234567890abcdef1234567890abcdef12345678n];

  it('matches the library multiplication for edge and random scalars, windows 2 to 8', () => {
    const P = Point.fromHex(generateSm2KeyPair().publicKey);
    for (const window of [2, 4, 5, 8]) {
      const table = pointTable(P, window);
      for (const k of [...scalars, toBigInt(globalThis.crypto.getRandomValues(new Uint8Array(32))) % N]) {
        expect(same(addMultiple(Point.ZERO, table, k), P.multiply(k))).toBe(true);
      }
    }
  });

  it('adds to an accumulator, and the generator table multiplies G', () => {
    const P = Point.fromHex(generateSm2KeyPair().publicKey);
    const table = pointTable(P, 4);
    for (const [s, t] of [[5n, 7n], [N - 1n, 1n], [N - 1n, N - 1n]] as const) {
      const sum = addMultiple(addMultiple(Point.ZERO, generatorTable(), s), table, t);
      expect(same(sum, Point.BASE.multiply(s).add(P.multiply(t)))).toBe(true);
    }
    expect(addMultiple(Point.ZERO, table, 0n).is0()).toBe(true);
    // s·G + (n - s)·G is the point at infinity (a verifier then refuses).
    expect(addMultiple(addMultiple(Point.ZERO, generatorTable(), 9n), generatorTable(), N - 9n).is0()).toBe(true);
  });

  it('refuses scalars beyond the table and windows out of range', () => {
    expect(() => addMultiple(Point.ZERO, pointTable(Point.BASE, 8), 2n ** 300n)).toThrow(RangeError);
    expect(() => pointTable(Point.BASE, 1)).toThrow(RangeError);
  });

  it('inverts modulo n', () => {
    for (const a of [1n, 2n, N - 1n, 0x1234567890n]) expect(mod(a * invert(a, N), N)).toBe(1n);
    expect(() => invert(N, N)).toThrow(RangeError);
  });
});
