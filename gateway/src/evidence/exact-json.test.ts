import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../errors.js';
import { assertExactJson, assertUtf8, assertWellFormed } from './exact-json.js';

function codeOf(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (e) {
    if (isGatewayError(e)) return e.code;
    throw e;
  }
}
const exact = (text: string) => codeOf(() => assertExactJson(text));

describe('exact JSON: what JCS can commit as sent', () => {
  it('accepts whatever JSON.stringify writes (it is I-JSON already)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => exact(JSON.stringify(v)) === null && exact(JSON.stringify(v, null, 2)) === null), { numRuns: 500 });
  });

  it('refuses a key twice in one object, as written or escaped, at any depth; the same key in two objects is fine', () => {
    expect(exact('{"a":1,"a":2}')).toBe('JSON_DUPLICATE_KEY');
    expect(exact('{"a":1,"\\u0061":2}')).toBe('JSON_DUPLICATE_KEY');
    expect(exact('{"x":[{"k":"a","k":"b"}]}')).toBe('JSON_DUPLICATE_KEY');
    expect(exact('{"x":{"k":1},"y":{"k":1},"k":{"k":{"k":1}}}')).toBeNull();
    expect(exact('{"a":"a","b":"a"}')).toBeNull();
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    expect(exact(JSON.stringify(many))).toBeNull();
    expect(exact(`${JSON.stringify(many).slice(0, -1)},"k7":0}`)).toBe('JSON_DUPLICATE_KEY');
    // Quotes and backslashes inside keys and values do not confuse the reader.
    expect(exact('{"a\\"b":1,"a\\\\":2,"c":"\\"a\\"b\\":","a\\"b":3}')).toBe('JSON_DUPLICATE_KEY');
    expect(exact('{"a\\"b":1,"a\\\\":2,"c":"\\"a\\"b\\":"}')).toBeNull();
  });

  it('refuses numbers whose value a double does not hold as written', () => {
    for (const n of ['123456789012345678901234567890', '9007199254740993', '-9007199254740993', '1e400', '-1e400', '1e-400', '0.30000000000000000001', '1234567890123456789']) {
      expect(exact(`{"n":${n}}`), n).toBe('JSON_NUMBER_INEXACT');
    }
    for (const n of ['0', '-0', '9007199254740992', '9007199254740991', '1.5', '1.50', '15e-1', '1E2', '0.1', '0.30000000000000004', '-2.5e-7', '1e21', '5e-324', '1.7976931348623157e308', '100000000000000000000']) {
      expect(exact(`[${n}]`), n).toBeNull();
    }
  });

  it('refuses lone surrogates, escaped or in a string; accepts pairs', () => {
    expect(exact('["\\ud800"]')).toBe('JSON_LONE_SURROGATE');
    expect(exact('["\\udc00"]')).toBe('JSON_LONE_SURROGATE');
    expect(exact('["\\ud800x"]')).toBe('JSON_LONE_SURROGATE');
    expect(exact('{"\\ud83d":1}')).toBe('JSON_LONE_SURROGATE');
    expect(exact('["\\ud83d\\ude00", "\\u00e9", "\\\\ud800"]')).toBeNull();
    // As characters of a string body (bytes cannot hold them once assertUtf8 passed).
    expect(codeOf(() => assertWellFormed('["\ud800"]'))).toBe('JSON_LONE_SURROGATE');
    expect(codeOf(() => assertWellFormed('["😀 患者"]'))).toBeNull();
  });

  it('refuses bytes that are not UTF-8 (they would become U+FFFD), accepts any that are', () => {
    const bad = [[0xff], [0xc0, 0xaf], [0xe4, 0xb8], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
    for (const b of bad) expect(codeOf(() => assertUtf8(Uint8Array.from([0x22, ...b, 0x22]))), String(b)).toBe('BODY_NOT_UTF8');
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => codeOf(() => assertUtf8(Buffer.from(s, 'utf8'))) === null));
  });
});
