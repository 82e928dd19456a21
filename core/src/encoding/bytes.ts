import { EvidenceError } from '../errors.js';

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lowercase hex, no 0x prefix, as the spec writes every hash and key in JSON.
 * Written without Buffer so the same core runs in the offline verification page.
 */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTE[bytes[i]!];
  return out;
}

/**
 * Parses lowercase hex of an exact byte length. The input usually comes from a
 * proof bundle, which an attacker controls, so uppercase, a 0x prefix, odd
 * lengths and wrong lengths are all refused rather than normalised.
 */
export function fromHex(hex: unknown, length?: number, what = 'value'): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) throw badHex(what);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if ((hi | lo) < 0) throw badHex(what);
    out[i] = (hi << 4) | lo;
  }
  if (length !== undefined && hex.length !== length * 2) {
    throw new EvidenceError('EVIDENCE_BAD_LENGTH', `${what} must be ${length} bytes, got ${hex.length / 2}`);
  }
  return out;
}

/** 0..15 for 0-9 and a-f; -1 for anything else (uppercase included). */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

const badHex = (what: string) => new EvidenceError('EVIDENCE_BAD_HEX', `${what} must be lowercase hex without 0x`);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const ENCODER = new TextEncoder();
export const utf8 = (s: string): Uint8Array => ENCODER.encode(s);

/** Largest value the spec's u64 fields can carry losslessly as a JSON number. */
export function assertUint(value: unknown, bits: 8 | 16 | 64, what: string): number {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new EvidenceError('EVIDENCE_BAD_INTEGER', `${what} must be an integer in 0..${max}`);
  }
  return value;
}

export function writeUint64(out: Uint8Array, offset: number, value: number): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(offset, BigInt(value));
}

export function readUint64(bytes: Uint8Array, offset: number, what: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EvidenceError('EVIDENCE_BAD_INTEGER', `${what} exceeds 2^53-1`);
  }
  return Number(v);
}

export const ZERO32: Uint8Array = new Uint8Array(32);
