import { createHash, hash } from 'node:crypto';

const ONE_SHOT_MAX = 16 * 1024;

/** SM3 (GB/T 32905) from node's OpenSSL: 32-byte digest of the concatenated parts. */
export function sm3(...parts: Uint8Array[]): Uint8Array {
  // The one-shot form skips the Hash object: about a fifth cheaper per call.
  if (parts.length === 1) {
    const d = hash('sm3', parts[0]!, 'buffer');
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  let total = 0;
  for (const p of parts) total += p.length;
  if (total <= ONE_SHOT_MAX) {
    // Copying a few parts together is cheaper than creating a Hash object.
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    const d = hash('sm3', joined, 'buffer');
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  const d = h.digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * SM3 of one buffer as lowercase hex. Cheaper than sm3() plus toHex when the
 * hex is wanted anyway: the digest never becomes an ArrayBuffer of its own.
 */
export function sm3Hex(data: Uint8Array): string {
  return hash('sm3', data, 'hex');
}
