import { encodeHeader, type BatchHeader } from '../batch/header.js';
import { hashFor } from '../hash/alg.js';
import { hashLeaf } from '../merkle/hashing.js';

/** logLeafHash(i) = H(0x00 || headerBytes(batch i)), H the batch's own algorithm (spec section 9). */
export function logLeafHash(header: BatchHeader): Uint8Array {
  return hashLeaf(hashFor(header.alg), encodeHeader(header));
}
