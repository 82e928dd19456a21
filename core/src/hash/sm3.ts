import { createHash, hash } from 'node:crypto';

/** SM3 (GB/T 32905) from node's OpenSSL: 32-byte digest of the concatenated parts. */
export function sm3(...parts: Uint8Array[]): Uint8Array {
  // The one-shot form skips the Hash object: about a fifth cheaper per call.
  if (parts.length === 1) {
    const d = hash('sm3', parts[0]!, 'buffer');
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}
