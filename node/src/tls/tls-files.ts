import { readFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { entityId, toHex } from '@evidence/core';

/**
 * Mutual TLS on the links between gateways and routing nodes: each device
 * names, by file path, the network CA's certificate (its only trust anchor
 * on these links), its own certificate (subject CN = its registered code)
 * and that certificate's key.
 */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** The PEM contents, read once at start. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export async function loadTls(files: TlsFiles): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([readFile(files.ca), readFile(files.cert), readFile(files.key)]);
  return { ca, cert, key };
}

/**
 * Server options for a listener on these links. `strict`: the peer must
 * present a certificate from the network's CA (no other CA, not the
 * system's), or the handshake fails before any request is read. Not strict
 * (a routing node, whose listener also serves its witness and read-only
 * routes to callers without a device certificate): a certificate is asked
 * for and checked, and the link routes refuse a request without a valid one
 * (requireLinkPeer).
 */
export function mutualTlsServerOptions(tls: TlsMaterial, strict = true): { key: Buffer; cert: Buffer; ca: Buffer; requestCert: true; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' } {
  return { key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: strict, minVersion: 'TLSv1.2' };
}

/**
 * The id (SM3 of the code in its certificate's CN) of the device at the other
 * end of an authenticated TLS connection; undefined on a plain connection.
 * On these links it is who handed a request over, whatever the hops claim.
 */
export function tlsPeerId(socket: unknown): string | undefined {
  const s = socket as Partial<TLSSocket> | undefined;
  if (!s || s.encrypted !== true || s.authorized !== true || typeof s.getPeerCertificate !== 'function') return undefined;
  const cn = s.getPeerCertificate().subject?.CN;
  const code = Array.isArray(cn) ? cn[0] : cn;
  return typeof code === 'string' && code.length > 0 ? toHex(entityId(code)) : undefined;
}
