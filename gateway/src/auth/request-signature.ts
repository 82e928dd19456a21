import { randomBytes } from 'node:crypto';
import { fromHex, sm2Sign, sm2Verify, sm3, toHex, utf8, type Sm2PreparedKey } from '@evidence/core';

/**
 * SM2-signed requests. The client signs
 *
 *   EVIDENCE-SM2-V1 \n METHOD \n path?query \n hex(SM3(body bytes)) \n ts \n nonce \n clientId
 *
 * and sends  Authorization: EVIDENCE-SM2 client="<id>", ts="<ms>", nonce="<hex>", sig="<r||s hex>".
 * Everything an attacker could change in transit (method, target, body,
 * time, nonce, claimed identity) is under the signature.
 */
export const SCHEME = 'EVIDENCE-SM2';

export interface SignedAuth {
  client: string;
  ts: number;
  nonce: string;
  sig: Uint8Array;
}

export function canonicalRequest(method: string, path: string, body: string | Uint8Array, ts: number, nonce: string, client: string): Uint8Array {
  const bodyBytes = typeof body === 'string' ? utf8(body) : body;
  return canonicalWithDigest(method, path, toHex(sm3(bodyBytes)), ts, nonce, client);
}

function canonicalWithDigest(method: string, path: string, bodySm3Hex: string, ts: number, nonce: string, client: string): Uint8Array {
  return utf8(['EVIDENCE-SM2-V1', method.toUpperCase(), path, bodySm3Hex, String(ts), nonce, client].join('\n'));
}

/** Builds the Authorization header for a request (for clients and tests). */
export function signRequest(
  o: { method: string; path: string; body?: string; client: string; privateKey: string; publicKey?: string; ts?: number; nonce?: string },
): string {
  const ts = o.ts ?? Date.now();
  const nonce = o.nonce ?? toHex(randomBytes(16));
  const sig = sm2Sign(canonicalRequest(o.method, o.path, o.body ?? '', ts, nonce, o.client), o.privateKey, o.publicKey);
  return `${SCHEME} client="${o.client}", ts="${ts}", nonce="${nonce}", sig="${toHex(sig)}"`;
}

const PARAM = /([a-z]+)="([^"]*)"/g;

/** Parses the header; null when it is not a well-formed EVIDENCE-SM2 header. */
export function parseSignedAuth(header: string): SignedAuth | null {
  if (!header.startsWith(`${SCHEME} `)) return null;
  const params = new Map<string, string>();
  for (const m of header.slice(SCHEME.length + 1).matchAll(PARAM)) params.set(m[1]!, m[2]!);
  const client = params.get('client');
  const ts = Number(params.get('ts'));
  const nonce = params.get('nonce');
  const sig = params.get('sig');
  if (!client || !Number.isSafeInteger(ts) || !nonce || !/^[0-9a-f]{16,128}$/.test(nonce) || !sig || !/^[0-9a-f]{128}$/.test(sig)) return null;
  return { client, ts, nonce, sig: fromHex(sig, 64) };
}

/**
 * Optional request header: hex SM3 of the body, the same digest the signature
 * covers. With it the gateway checks the signature before reading the body,
 * and then the body against the digest; without it a large body is refused
 * rather than read unauthenticated.
 */
export const BODY_DIGEST_HEADER = 'x-evidence-body-sm3';

/** The Authorization header and the body digest header of a request (for clients and tests). */
export function signedRequestHeaders(o: Parameters<typeof signRequest>[0]): Record<string, string> {
  return { authorization: signRequest(o), [BODY_DIGEST_HEADER]: toHex(sm3(utf8(o.body ?? ''))) };
}

/** The signature checked against the body digest the client named, before the body is read. */
export function verifySignedDigest(auth: SignedAuth, method: string, path: string, bodySm3Hex: string, key: string | Sm2PreparedKey): boolean {
  return sm2Verify(canonicalWithDigest(method, path, bodySm3Hex, auth.ts, auth.nonce, auth.client), auth.sig, key);
}

export function verifySignedAuth(auth: SignedAuth, method: string, path: string, body: string | Uint8Array, key: string | Sm2PreparedKey): boolean {
  return sm2Verify(canonicalRequest(method, path, body, auth.ts, auth.nonce, auth.client), auth.sig, key);
}
