import { describe, expect, it } from 'vitest';
import { toHex } from './encoding/bytes.js';
import { entityId, subjectPseudonym, uuidv7 } from './ids.js';

describe('identifiers', () => {
  it('UUIDv7 carries the time, version 7 and the RFC variant, and increases strictly', () => {
    const now = Date.UTC(2026, 10, 23);
    const ids = Array.from({ length: 2000 }, () => uuidv7(now));
    for (const id of ids) {
      expect(id).toHaveLength(16);
      expect(id[6]! >> 4).toBe(7);
      expect(id[8]! >> 6).toBe(0b10);
      expect(Number(BigInt('0x' + toHex(id.subarray(0, 6))))).toBe(now);
    }
    const hex = ids.map(toHex);
    expect([...hex].sort()).toEqual(hex);
    expect(new Set(hex).size).toBe(hex.length);
    // a clock that steps back does not break the order
    const later = uuidv7(now - 5000);
    expect(toHex(later) > hex[hex.length - 1]!).toBe(true);
  });

  it('pseudonyms depend on the gateway secret', () => {
    const a = subjectPseudonym(new Uint8Array(32).fill(1), '330106199001011234');
    const b = subjectPseudonym(new Uint8Array(32).fill(2), '330106199001011234');
    expect(toHex(a)).not.toBe(toHex(b));
    expect(() => subjectPseudonym(new Uint8Array(16), 'x')).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_LENGTH' }));
  });

  it('refuses an empty code', () => {
    expect(() => entityId('')).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_LENGTH' }));
  });
});
