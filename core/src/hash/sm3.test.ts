import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../encoding/bytes.js';
import { sm3, sm3Hex } from './sm3.js';

describe('SM3', () => {
  // GB/T 32905-2016, appendix A.1: SM3("abc").
  const ABC = '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0';

  it('matches the standard example, as bytes and as hex', () => {
    expect(toHex(sm3(utf8('abc')))).toBe(ABC);
    expect(sm3Hex(utf8('abc'))).toBe(ABC);
  });

  it('hashes the concatenation of its parts, and sm3Hex agrees with it', () => {
    const data = utf8('{"患者":"张三"}'.repeat(50));
    expect(toHex(sm3(data.subarray(0, 7), data.subarray(7)))).toBe(sm3Hex(data));
    expect(sm3Hex(new Uint8Array(0))).toBe(toHex(sm3(new Uint8Array(0))));
  });
});
