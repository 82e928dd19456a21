import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jcsString } from './jcs.js';

// canonicalize (an independent RFC 8785 implementation) is the oracle for our one-pass serialiser.
const oracle = canonicalize as unknown as (v: unknown) => string;

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

  it('agrees with an independent RFC 8785 implementation on arbitrary JSON values', () => {
    const json = fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' });
    fc.assert(fc.property(json, (v) => jcsString(v) === oracle(v)), { numRuns: 2000 });
    fc.assert(fc.property(fc.object({ maxDepth: 4 }).map((o) => JSON.parse(JSON.stringify(o)) as unknown), (v) => jcsString(v) === oracle(v)), { numRuns: 500 });
  });

  it('refuses lone surrogates in values and in keys, accepts paired ones', () => {
    for (const bad of ['a\uD800', '\uDC00b', ['x', '\uD83D'], { k: '\uDE00' }, { ['\uD800']: 1 }]) {
      expect(() => jcsString(bad)).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_JSON' }));
    }
    expect(jcsString({ e: '\uD83D\uDE00' })).toBe('{"e":"\uD83D\uDE00"}');
  });

  it('refuses holes and undefined elements in arrays', () => {
    // eslint-disable-next-line no-sparse-arrays
    for (const bad of [[1, , 3], [undefined]]) {
      expect(() => jcsString(bad)).toThrow(expect.objectContaining({ code: 'EVIDENCE_BAD_JSON' }));
    }
  });

  it('accepts repeated (acyclic) references', () => {
    const shared = { x: 1 };
    expect(jcsString({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
