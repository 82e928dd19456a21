import { describe, expect, it } from 'vitest';
import { randomFill, randomOf } from './random.js';

describe('pooled CSPRNG bytes', () => {
  it('never hands out the same bytes twice, across refills and requests larger than the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(Buffer.from(randomOf(16)).toString('hex')); // about 3 refills
    expect(seen.size).toBe(3000);
    const big = randomOf(40_000);
    expect(big.length).toBe(40_000);
    expect(new Set(big).size).toBeGreaterThan(200); // not a zero-filled or repeated buffer
  });

  it('fills a view in place, leaving the bytes around it alone', () => {
    const buf = new Uint8Array(48);
    randomFill(buf.subarray(16, 32));
    expect(buf.subarray(0, 16).every((b) => b === 0) && buf.subarray(32).every((b) => b === 0)).toBe(true);
    expect(buf.subarray(16, 32).some((b) => b !== 0)).toBe(true);
  });
});
