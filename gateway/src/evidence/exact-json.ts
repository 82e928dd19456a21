import { isUtf8 } from 'node:buffer';
import { GatewayError } from '../errors.js';

/**
 * Evidence commits to JCS(payload) (RFC 8785), and JCS is defined over
 * I-JSON (RFC 7493) only: UTF-8 text without lone surrogates, object names
 * unique, numbers an IEEE-754 double holds. A body outside it would be
 * committed as something other than what the hospital sent: bad bytes as
 * U+FFFD, only the last of two equal keys, 123456789012345678901234567890 as
 * 1.2345678901234568e+29. Keeping such input exactly would need a commitment
 * over the bytes as sent, a new wire format every verifier would have to
 * learn; so it is refused, with a code naming what was wrong, and the sender
 * can fix and resend (a string for a long number, say).
 *
 * Everything here reads what the sender controls; it runs after JSON.parse
 * accepted the text, so the text is known to be well-formed JSON.
 */

/** Bytes that are not UTF-8 (they would be decoded to U+FFFD): BODY_NOT_UTF8. */
export function assertUtf8(bytes: Uint8Array): void {
  if (!isUtf8(bytes)) throw new GatewayError('BODY_NOT_UTF8', 'the body is not valid UTF-8: it would not be recorded as sent / 请求体不是有效的 UTF-8');
}

/** A lone surrogate: with the u flag a proper pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Integers of up to 15 digits are exact as doubles: the common case needs no further look. */
const SHORT_INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;

/**
 * A body given as a JS string rather than bytes (in-process callers, tests)
 * may hold lone surrogates as characters; text decoded from bytes that passed
 * assertUtf8 cannot, so only string bodies need this look.
 */
export function assertWellFormed(text: string): void {
  if (LONE_SURROGATE.test(text)) throw loneSurrogate();
}

/**
 * Refuses JSON text (already parsed by JSON.parse) that JCS cannot commit
 * exactly: JSON_DUPLICATE_KEY, JSON_NUMBER_INEXACT, and JSON_LONE_SURROGATE
 * for \uD800-\uDFFF escapes that are not pairs.
 */
export function assertExactJson(text: string): void {
  // Per open container: null for an array, else the keys seen so far in that object.
  const keys: (string[] | Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  // The next backslash at or after i (n when none): found once, not searched again from every string.
  let backslash = text.indexOf('\\');
  if (backslash < 0) backslash = n;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      if (backslash < i) {
        backslash = text.indexOf('\\', i);
        if (backslash < 0) backslash = n;
      }
      const end = backslash < n ? stringEnd(text, i) : text.indexOf('"', i + 1);
      const escaped = backslash < end;
      if (expectKey) {
        addKey(keys, keys.length - 1, text, i, end, escaped);
        expectKey = false;
      } else if (escaped) {
        checkEscapes(text, i, end);
      }
      i = end + 1;
    } else if (c === 0x7b /* { */) {
      keys.push([]);
      expectKey = true;
      i++;
    } else if (c === 0x5b /* [ */) {
      keys.push(null);
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop();
      i++;
    } else if (c === 0x2c /* , */) {
      expectKey = keys.length > 0 && keys[keys.length - 1] !== null;
      i++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      let plain = true; // digits only, after an optional sign
      for (let d = text.charCodeAt(end); end < n && isNumberChar(d); d = text.charCodeAt(++end)) if (d < 0x30 || d > 0x39) plain = false;
      // Integers of up to 15 digits are exact as doubles: the common case needs no further look.
      if (!plain || end - i > (c === 0x2d ? 16 : 15) || (text.charCodeAt(c === 0x2d ? i + 1 : i) === 0x30 && end - i > (c === 0x2d ? 2 : 1))) checkNumber(text.slice(i, end));
      i = end;
    } else {
      // Whitespace, ':', true, false, null.
      i++;
    }
  }
}

/** The index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  // A quote preceded by an odd number of backslashes is escaped.
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** \uD800-\uDFFF escapes must come in pairs: alone they have no UTF-8 form and would be committed as U+FFFD. */
function checkEscapes(text: string, start: number, end: number): void {
  for (let b = text.indexOf('\\', start + 1); b >= 0 && b < end; b = text.indexOf('\\', b + 2)) {
    if (text.charCodeAt(b + 1) !== 0x75 /* u */) continue;
    const unit = parseInt(text.slice(b + 2, b + 6), 16);
    if (unit >= 0xdc00 && unit <= 0xdfff) throw loneSurrogate();
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.slice(b + 6, b + 8) === '\\u' ? parseInt(text.slice(b + 8, b + 12), 16) : -1;
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw loneSurrogate();
      b += 6;
    }
    b += 4;
  }
}

function addKey(keys: (string[] | Set<string> | null)[], top: number, text: string, start: number, end: number, escaped: boolean): void {
  if (escaped) checkEscapes(text, start, end);
  // Keys compare as decoded: "a" and "\u0061" are the same name.
  const key = escaped ? (JSON.parse(text.slice(start, end + 1)) as string) : text.slice(start + 1, end);
  const seen = keys[top]!;
  if (Array.isArray(seen)) {
    if (seen.includes(key)) throw duplicate(key);
    seen.push(key);
    // Objects with many keys: a set from here on.
    if (seen.length > 16) keys[top] = new Set(seen);
  } else {
    if (seen.has(key)) throw duplicate(key);
    seen.add(key);
  }
}

const isNumberChar = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;

/**
 * A number must mean the same value once JCS writes it: JCS writes the
 * shortest decimal that round-trips the double JSON.parse made of it, so the
 * number sent and that decimal must be the same decimal value (1.50 and 1.5e0
 * are 1.5; 9007199254740993 is not 9007199254740992; 1e400 is no double).
 */
function checkNumber(token: string): void {
  if (SHORT_INTEGER.test(token)) return;
  const value = Number(token);
  if (!Number.isFinite(value) || !sameDecimal(token, String(value))) {
    throw new GatewayError(
      'JSON_NUMBER_INEXACT',
      `the number ${token.length > 40 ? `${token.slice(0, 40)}…` : token} cannot be recorded exactly (it would become ${String(value)}); send it as a string / 数字超出可精确记录的范围，请以字符串发送`,
    );
  }
}

/** Whether two JSON number texts denote the same decimal value (signs of zero aside). */
function sameDecimal(a: string, b: string): boolean {
  const x = decimal(a);
  const y = decimal(b);
  return x.digits === y.digits && (x.digits === '' || (x.negative === y.negative && x.exponent === y.exponent));
}

/** value = (negative ? -1 : 1) × 0.digits × 10^exponent, digits without leading or trailing zeros ('' for zero). */
function decimal(text: string): { negative: boolean; digits: string; exponent: number } {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const e = body.search(/[eE]/);
  const mantissa = e < 0 ? body : body.slice(0, e);
  const exp = e < 0 ? 0 : Number(body.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const whole = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fraction = dot < 0 ? '' : mantissa.slice(dot + 1);
  let digits = whole + fraction;
  let exponent = exp + whole.length;
  const lead = digits.search(/[^0]/);
  if (lead < 0) return { negative, digits: '', exponent: 0 };
  digits = digits.slice(lead);
  exponent -= lead;
  digits = digits.replace(/0+$/, '');
  return { negative, digits, exponent };
}

function duplicate(key: string): GatewayError {
  return new GatewayError('JSON_DUPLICATE_KEY', `the key ${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)} appears twice in one object: which one was meant cannot be recorded / 同一对象中键名重复`);
}

function loneSurrogate(): GatewayError {
  return new GatewayError('JSON_LONE_SURROGATE', 'the body holds a \\uD800-\\uDFFF escape that is not part of a pair: it has no UTF-8 form and would not be recorded as sent / 含有不成对的代理项转义');
}
