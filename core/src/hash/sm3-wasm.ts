import { createSM3 } from 'hash-wasm';

// A WebAssembly SM3 for the two places node's OpenSSL cannot serve: bulk tree
// hashing, where creating an OpenSSL hash object per 65-byte node costs twice
// the hash itself, and browsers, which have no SM3. Cross-checked against
// OpenSSL in sm3.test.ts.
const hasher = await createSM3();

export function sm3Wasm(...parts: Uint8Array[]): Uint8Array {
  hasher.init();
  for (const p of parts) hasher.update(p);
  return hasher.digest('binary');
}
