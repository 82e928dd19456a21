import { describe, expect, it } from 'vitest';
import { jcsString } from './jcs.js';

describe('JCS (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and formats numbers as ECMAScript does', () => {
    // RFC 8785 section 3.2.3 sorting example (subset) and number examples.
    expect(jcsString({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '1': 'One', '\u0080': 'Control' })).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u20ac":"Euro Sign"}',
    );
    expect(jcsString([1e21, 1e-7, -0, 0.1 + 0.2, 1 / 3, 4.5])).toBe(
      '[1e+21,1e-7,0,0.30000000000000004,0.3333333333333333,4.5]',
    );
    expect(jcsString({ b: [true, null, 'x\u2028'], a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":[true,null,"x\u2028"]}');
  });

  it('refuses what JSON cannot carry instead of dropping it', () => {
    for (const bad of [undefined, NaN, Infinity, () => 1, 1n, { a: undefined }, [1, { b: NaN }], new Date(0), new Map()]) {
      expect(() => jcsString(bad)).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_JSON' }));
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jcsString(cyclic)).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_JSON' }));
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(() => jcsString(deep)).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_JSON' }));
  });

  it('accepts repeated (acyclic) references', () => {
    const shared = { x: 1 };
    expect(jcsString({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
