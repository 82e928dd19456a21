import canonicalizeImport from 'canonicalize';
import { EvidenceError } from '../errors.js';
import { utf8 } from './bytes.js';

// canonicalize ships a CommonJS default export; normalise its shape once here.
const canonicalize = canonicalizeImport as unknown as (input: unknown) => string | undefined;

/**
 * JSON Canonicalization Scheme (RFC 8785) as UTF-8 bytes. The payload is
 * caller-supplied: values JSON cannot represent (undefined, functions, NaN,
 * Infinity, BigInt, cycles) are refused instead of being silently dropped, since
 * a dropped field would change what the commitment proves.
 */
export function jcs(value: unknown): Uint8Array {
  return utf8(jcsString(value));
}

export function jcsString(value: unknown): string {
  assertJsonValue(value, 0, new Set());
  let out: string | undefined;
  try {
    out = canonicalize(value);
  } catch (e) {
    throw new EvidenceError('EVIDENCE_BAD_JSON', `payload cannot be canonicalised: ${(e as Error).message}`, { cause: e });
  }
  if (out === undefined) throw new EvidenceError('EVIDENCE_BAD_JSON', 'payload is not a JSON value');
  return out;
}

const MAX_DEPTH = 256;

function assertJsonValue(v: unknown, depth: number, seen: Set<object>): void {
  if (depth > MAX_DEPTH) throw new EvidenceError('EVIDENCE_BAD_JSON', `payload nests deeper than ${MAX_DEPTH}`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new EvidenceError('EVIDENCE_BAD_JSON', 'payload holds a non-finite number');
    return;
  }
  if (typeof v !== 'object') throw new EvidenceError('EVIDENCE_BAD_JSON', `payload holds a ${typeof v}`);
  if (seen.has(v)) throw new EvidenceError('EVIDENCE_BAD_JSON', 'payload is cyclic');
  seen.add(v);
  if (Array.isArray(v)) {
    for (const item of v) assertJsonValue(item, depth + 1, seen);
  } else {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new EvidenceError('EVIDENCE_BAD_JSON', 'payload holds a non-plain object');
    }
    for (const item of Object.values(v)) {
      if (item === undefined) throw new EvidenceError('EVIDENCE_BAD_JSON', 'payload holds an undefined field');
      assertJsonValue(item, depth + 1, seen);
    }
  }
  seen.delete(v);
}
