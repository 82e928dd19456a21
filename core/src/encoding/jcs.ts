import { EvidenceError } from '../errors.js';
import { utf8 } from './bytes.js';

/**
 * JSON Canonicalization Scheme (RFC 8785) as UTF-8 bytes. The payload is
 * caller-supplied: values JSON cannot represent (undefined, functions, NaN,
 * Infinity, BigInt, lone surrogates, non-plain objects, cycles) are refused
 * instead of being silently dropped, since a dropped field would change what
 * the commitment proves.
 */
export function jcs(value: unknown): Uint8Array {
  return utf8(jcsString(value));
}

export function jcsString(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 256;

/**
 * One pass that checks and serialises. RFC 8785 output is ECMAScript's own:
 * JSON.stringify formats numbers (section 3.2.2.3) and escapes strings
 * (3.2.2.2); object members are sorted by UTF-16 code units (3.2.3), which is
 * what Array.prototype.sort does with strings. A cycle nests without end, so
 * the depth limit also stops it.
 */
function write(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return string(v);
    case 'number':
      if (!Number.isFinite(v)) throw bad('payload holds a non-finite number');
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (depth >= MAX_DEPTH) throw bad(`payload nests deeper than ${MAX_DEPTH} (or is cyclic)`);
      return Array.isArray(v) ? array(v, depth + 1) : object(v, depth + 1);
    default:
      throw bad(`payload holds a ${typeof v}`);
  }
}

function array(v: unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < v.length; i++) {
    if (i > 0) out += ',';
    // A hole or an undefined element has no JSON form (JSON.stringify would write null).
    out += write(v[i], depth);
  }
  return out + ']';
}

function object(v: object, depth: number): string {
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw bad('payload holds a non-plain object');
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = record[key];
    if (value === undefined) throw bad('payload holds an undefined field');
    if (i > 0) out += ',';
    out += string(key) + ':' + write(value, depth);
  }
  return out + '}';
}

function string(s: string): string {
  // A lone surrogate has no UTF-8 form; encoding would silently replace it.
  if (!wellFormed(s)) throw bad('payload holds a string with a lone surrogate');
  return JSON.stringify(s);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const native = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
/** String.prototype.isWellFormed where the engine has it (Node 20), a regular expression in older browsers. */
const wellFormed: (s: string) => boolean = native ? (s) => native.call(s) : (s) => !LONE_SURROGATE.test(s);

const bad = (message: string) => new EvidenceError('EVIDENCE_BAD_JSON', message);
