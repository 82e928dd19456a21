import { concatBytes, fromHex, sm2Sign, sm2Verify, sm3, toHex, utf8, type Sm2PreparedKey } from '@evidence/core';

/**
 * Peer messages (route updates between nodes, service publications from
 * gateways) are signed over their exact body bytes, carried in two headers:
 *
 *   x-evidence-signer:    32-byte id of the sender, hex
 *   x-evidence-signature: SM2 r || s over M = "evidence-peer/1" || 0x00 || SM3(body)
 *
 * Signing the raw bytes rather than a canonical form keeps a 100 000-route
 * table update cheap to sign and check; the domain prefix keeps these
 * signatures from ever being mistaken for hop or batch-header signatures.
 */
export const SIGNER_HEADER = 'x-evidence-signer';
export const SIGNATURE_HEADER = 'x-evidence-signature';

const DOMAIN = utf8('evidence-peer/1\u0000');

export function signBody(body: Uint8Array, privateKey: string, publicKey: string): string {
  return toHex(sm2Sign(concatBytes(DOMAIN, sm3(body)), privateKey, publicKey));
}

/** Never throws: a malformed signature is simply not valid. */
export function verifyBody(body: Uint8Array, signature: unknown, key: string | Sm2PreparedKey): boolean {
  let sig: Uint8Array;
  try {
    sig = fromHex(signature, 64);
  } catch {
    return false;
  }
  return sm2Verify(concatBytes(DOMAIN, sm3(body)), sig, key);
}
