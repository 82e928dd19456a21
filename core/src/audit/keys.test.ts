import { describe, expect, it } from 'vitest';
import { epochsFromKeyAt, epochsFromKeys, KeyHistory } from './keys.js';
import { AuditStateError, parseAuditState } from './state.js';

const A = `04${'a'.repeat(128)}`;
const B = `04${'b'.repeat(128)}`;
const C = `04${'c'.repeat(128)}`;

describe('KeyHistory', () => {
  const history = new KeyHistory([
    { fromSeq: 100, publicKey: B },
    { fromSeq: 0, publicKey: A },
    { fromSeq: 5000, publicKey: C },
  ]);

  it('gives the key of the last epoch starting at or below a seq', () => {
    expect([0, 99, 100, 4999, 5000, 10 ** 7].map((s) => history.keyAt(s))).toEqual([A, A, B, B, C, C]);
    expect(new KeyHistory([{ fromSeq: 3, publicKey: A }]).keyAt(2)).toBeNull();
    expect(history.keys).toEqual([A, B, C]);
  });

  it('digests only the epochs that decide seqs below a size', () => {
    expect(history.digestBelow(100)).toBe(new KeyHistory([{ fromSeq: 0, publicKey: A }]).digestBelow(100));
    expect(history.digestBelow(101)).not.toBe(history.digestBelow(100));
  });

  it('is found through keyAt by bisection, a few reads per rotation instead of one per seq', async () => {
    let reads = 0;
    const keyAt = (seq: number) => {
      reads++;
      return Promise.resolve(history.keyAt(seq));
    };
    expect(await epochsFromKeyAt(keyAt, 1_000_000)).toEqual([
      { fromSeq: 0, publicKey: A },
      { fromSeq: 100, publicKey: B },
      { fromSeq: 5000, publicKey: C },
    ]);
    expect(reads).toBeLessThan(100);
    expect(await epochsFromKeyAt(keyAt, 0)).toEqual([]);
  });

  it('is read from one key per seq', () => {
    expect(epochsFromKeys([null, A, A, B, B, A])).toEqual([
      { fromSeq: 1, publicKey: A },
      { fromSeq: 3, publicKey: B },
      { fromSeq: 5, publicKey: A },
    ]);
  });
});

describe('parseAuditState', () => {
  const valid = {
    format: 'evidence-audit-state/1',
    gateway: 'ab'.repeat(32),
    alg: 'keccak256',
    size: 3,
    lastHeaderHash: 'cd'.repeat(32),
    range: ['01'.repeat(32), '02'.repeat(32)],
    checkpoint: { index: 0, size: 3, root: 'ef'.repeat(32) },
    v1: null,
    keys: '00'.repeat(32),
    savedAt: 1,
  };

  it('reads a state file and refuses one that is malformed, never half-using it', () => {
    expect(parseAuditState(valid)).toEqual(valid);
    for (const broken of [
      null,
      { ...valid, format: 'x' },
      { ...valid, size: -1 },
      { ...valid, gateway: 'AB'.repeat(32) },
      { ...valid, range: ['zz'] },
      { ...valid, checkpoint: { ...valid.checkpoint, size: 4 } },
      { ...valid, alg: 'md5' },
    ]) {
      expect(() => parseAuditState(broken)).toThrow(AuditStateError);
    }
  });
});
