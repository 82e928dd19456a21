import { EvidenceError } from '../errors.js';
import { keccak256 } from './keccak.js';
import { sm3Wasm } from './sm3-wasm.js';

/** The two tree hash algorithms of spec section 1, by name and by header code. */
export type HashAlg = 'keccak256' | 'sm3';

export type HashFn = (...parts: Uint8Array[]) => Uint8Array;

export const ALG_CODE: Readonly<Record<HashAlg, number>> = { keccak256: 1, sm3: 2 };

export function algFromCode(code: number): HashAlg {
  if (code === 1) return 'keccak256';
  if (code === 2) return 'sm3';
  throw new EvidenceError('EVIDENCE_BAD_ALG', `unknown hash algorithm code ${code}`);
}

export function assertHashAlg(alg: unknown): HashAlg {
  if (alg === 'keccak256' || alg === 'sm3') return alg;
  throw new EvidenceError('EVIDENCE_BAD_ALG', `hash algorithm must be "keccak256" or "sm3"`);
}

/** The tree hash for an algorithm. Both are the fastest available implementation. */
export function hashFor(alg: HashAlg): HashFn {
  return alg === 'keccak256' ? keccak256 : sm3Wasm;
}
