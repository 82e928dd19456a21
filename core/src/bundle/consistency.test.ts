import { describe, expect, it } from 'vitest';
import { v2 } from '../../../test/spec/v2-vectors.js';
import { checkConsistencyProof, parseConsistencyProof } from './consistency.js';
import { beijingTime } from './time.js';

describe('consistency proof documents (the vectors shape, a gateway answer)', () => {
  it.each(v2.consistency)('$alg $first -> $second is consistent', (c) => {
    expect(checkConsistencyProof(parseConsistencyProof(c))).toMatchObject({ consistent: true });
  });

  it.each(v2.badConsistency)('$why is not', (c) => {
    const verdict = checkConsistencyProof(parseConsistencyProof(c));
    expect(verdict.consistent).toBe(false);
  });

  it('sizes RFC 9162 does not allow are refused, not merely inconsistent', () => {
    const zero = v2.badConsistency.find((c) => c.first === 0)!;
    expect(checkConsistencyProof(parseConsistencyProof(zero))).toMatchObject({ consistent: false, reason: 'refused' });
    const c = v2.consistency[1]!;
    expect(checkConsistencyProof({ ...c, first: c.second + 1 })).toMatchObject({ reason: 'refused' });
  });

  it('a pinned first root that differs means the log was rewritten', () => {
    const c = v2.consistency[1]!;
    expect(checkConsistencyProof(c, c.firstRoot)).toMatchObject({ consistent: true });
    expect(checkConsistencyProof(c, '00'.repeat(32))).toMatchObject({
      consistent: false,
      reason: 'rewritten',
      message: expect.stringContaining('the log was rewritten'),
    });
  });

  it.each<[string, (c: Record<string, unknown>) => void]>([
    ['alg unknown', (c) => (c.alg = 'sha256')],
    ['first as a string', (c) => (c.first = '3')],
    ['second beyond 2^53 - 1', (c) => (c.second = 2 ** 53)],
    ['firstRoot uppercase', (c) => (c.firstRoot = (c.firstRoot as string).toUpperCase())],
    ['secondRoot missing', (c) => delete c.secondRoot],
    ['proof not an array', (c) => (c.proof = 'x')],
    ['proof hash short', (c) => (c.proof = ['00'])],
    ['proof longer than any log needs', (c) => (c.proof = Array(129).fill('00'.repeat(32)))],
  ])('refuses a malformed document: %s', (_why, mutate) => {
    const doc = structuredClone(v2.consistency[1]!) as unknown as Record<string, unknown>;
    mutate(doc);
    expect(() => parseConsistencyProof(doc)).toThrow(expect.objectContaining({ code: 'CONSISTENCY_PROOF_MALFORMED' }));
  });

  it('refuses what is not an object', () => {
    for (const input of [null, [], 'x', 1]) {
      expect(() => parseConsistencyProof(input)).toThrow(expect.objectContaining({ code: 'CONSISTENCY_PROOF_MALFORMED' }));
    }
  });
});

describe('beijingTime', () => {
  it('shows a format timestamp as UTC+8', () => {
    expect(beijingTime(1764576009200)).toBe('2025-12-01 16:00:09.200 +08:00');
    expect(beijingTime(0)).toBe('1970-01-01 08:00:00.000 +08:00');
  });

  it('shows what a Date cannot hold as the raw number', () => {
    expect(beijingTime(2 ** 53 - 1)).toBe(`${2 ** 53 - 1} ms`);
  });
});
