import { assertUint, concatBytes, fromHex, toHex, utf8, writeUint64 } from '../encoding/bytes.js';
import { jcs } from '../encoding/jcs.js';
import { EvidenceError } from '../errors.js';
import { sm3 } from '../hash/sm3.js';
import { sm2Sign } from '../sm2/sm2.js';

export const HOP_VERSION = 1;
export const HOP_LENGTH = 156;

/** Hop types of spec section 7. */
export const HOP_TYPE = { origin: 1, forward: 2, deliver: 3, response: 4 } as const;
export type HopType = (typeof HOP_TYPE)[keyof typeof HOP_TYPE];

/** An unsigned hop in its JSON shape (hex fields). */
export interface HopFields {
  v: number;
  type: number;
  /** 16 bytes, hex. */
  requestId: string;
  index: number;
  /** 32-byte id of the signing node or gateway, hex. */
  node: string;
  /** 32-byte id of the node the request is handed to; zero on deliver and response. */
  next: string;
  ts: number;
  /** SM3 of the request (types 1..3) or of the response (type 4), hex. */
  digest: string;
  /** hopHash of the previous hop, zero on hop 0, hex. */
  prev: string;
}

export interface Hop extends HopFields {
  /** 64-byte SM2 r || s over hopBytes, hex. */
  signature: string;
}

/** hopBytes = v(1) || type(1) || requestId(16) || index(2) || node(32) || next(32) || ts(8) || digest(32) || prev(32). */
export function encodeHop(hop: HopFields): Uint8Array {
  if (typeof hop !== 'object' || hop === null) throw new EvidenceError('BUNDLE_MALFORMED', 'hop must be an object');
  if (hop.v !== HOP_VERSION) throw new EvidenceError('EVIDENCE_BAD_VERSION', `hop version must be ${HOP_VERSION}`);
  if (![1, 2, 3, 4].includes(hop.type)) throw new EvidenceError('HOP_BAD_TYPE', `hop type ${String(hop.type)} is not 1..4`);
  const out = new Uint8Array(HOP_LENGTH);
  out[0] = HOP_VERSION;
  out[1] = hop.type;
  out.set(fromHex(hop.requestId, 16, 'hop.requestId'), 2);
  new DataView(out.buffer).setUint16(18, assertUint(hop.index, 16, 'hop.index'));
  out.set(fromHex(hop.node, 32, 'hop.node'), 20);
  out.set(fromHex(hop.next, 32, 'hop.next'), 52);
  writeUint64(out, 84, assertUint(hop.ts, 64, 'hop.ts'));
  out.set(fromHex(hop.digest, 32, 'hop.digest'), 92);
  out.set(fromHex(hop.prev, 32, 'hop.prev'), 124);
  return out;
}

/** hopHash = SM3(hopBytes || signature): the next hop's prev. */
export function hopHash(hop: Hop): Uint8Array {
  return sm3(encodeHop(hop), fromHex(hop.signature, 64, 'hop.signature'));
}

export function signHop(fields: HopFields, privateKey: string, publicKey?: string): Hop {
  const signature = sm2Sign(encodeHop(fields), privateKey, publicKey);
  return { ...fields, signature: toHex(signature) };
}

/** The same hop as signHop, the SM2 signature over hopBytes made by `sign` (e.g. on a worker thread). */
export async function signHopWith(fields: HopFields, sign: (hopBytes: Uint8Array) => Promise<Uint8Array>): Promise<Hop> {
  const signature = await sign(encodeHop(fields));
  return { ...fields, signature: toHex(signature) };
}

const ZERO_BYTE = new Uint8Array([0]);

/**
 * SM3(utf8(method) || 0x00 || utf8(path) || 0x00 || JCS(body)). For a response,
 * method is the decimal status code and path the request path. An absent body
 * (undefined) is the empty byte string; a JSON null body is "null".
 */
export function messageDigest(method: string, path: string, body?: unknown): Uint8Array {
  const bodyBytes = body === undefined ? new Uint8Array(0) : jcs(body);
  return sm3(concatBytes(utf8(method), ZERO_BYTE, utf8(path), ZERO_BYTE, bodyBytes));
}

export function requestDigest(method: string, path: string, body?: unknown): Uint8Array {
  return messageDigest(method, path, body);
}

export function responseDigest(status: number, requestPath: string, body?: unknown): Uint8Array {
  return messageDigest(String(status), requestPath, body);
}
