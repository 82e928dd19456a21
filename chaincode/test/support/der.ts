/*
 * Just enough DER (X.690) to write X.509 certificates for test identities:
 * definite lengths, the universal types a certificate uses, context tags.
 */

export type Der = Uint8Array;

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, content: Uint8Array): Der {
  const len = lengthBytes(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const sequence = (...items: Der[]): Der => tlv(0x30, concat(items));
export const set = (...items: Der[]): Der => tlv(0x31, concat(items));
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 + n, inner);
export const implicitPrimitive = (n: number, content: Uint8Array): Der => tlv(0x80 + n, content);
export const octetString = (content: Uint8Array): Der => tlv(0x04, content);
export const bitString = (content: Uint8Array): Der => tlv(0x03, concat([new Uint8Array([0]), content]));
export const utf8String = (s: string): Der => tlv(0x0c, new TextEncoder().encode(s));
export const printableString = (s: string): Der => tlv(0x13, new TextEncoder().encode(s));
export const boolean = (b: boolean): Der => tlv(0x01, new Uint8Array([b ? 0xff : 0]));

/** A non-negative INTEGER from big-endian magnitude bytes. */
export function integer(magnitude: Uint8Array): Der {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const m = magnitude.subarray(start);
  return tlv(0x02, m[0]! & 0x80 ? concat([new Uint8Array([0]), m]) : m);
}

export function oid(dotted: string): Der {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    bytes.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

/** UTCTime (years 1950..2049), as X.509 requires for those years. */
export function utcTime(d: Date): Der {
  const p = (n: number) => n.toString().padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, new TextEncoder().encode(s));
}
