// Browser stand-in for sm3.ts (node's OpenSSL is not there): the same SM3 from
// hash-wasm, swapped in by scripts/build-verifier.ts. Same output, checked by
// the page test against the spec vectors.
export { sm3Wasm as sm3 } from './sm3-wasm.js';
