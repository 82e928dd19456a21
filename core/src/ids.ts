import { concatBytes, utf8 } from './encoding/bytes.js';
import { EvidenceError } from './errors.js';
import { sm3 } from './hash/sm3.js';
import { randomOf } from './random.js';

/** Spec section 2: a gateway's or node's 32-byte id is SM3 of its registered code. */
export function entityId(code: string): Uint8Array {
  if (typeof code !== 'string' || code.length === 0) {
    throw new EvidenceError('EVIDENCE_BAD_LENGTH', 'an institution or device code must be a non-empty string');
  }
  return sm3(utf8(code));
}

/**
 * Spec section 2: the patient's pseudonym at a gateway, SM3(subjectKey || idNumber).
 * The subject key is the gateway's secret; without it the pseudonym cannot be
 * linked back to the ID number by trying all ID numbers.
 */
export function subjectPseudonym(subjectKey: Uint8Array, idNumber: string): Uint8Array {
  if (subjectKey.length !== 32) throw new EvidenceError('EVIDENCE_BAD_LENGTH', 'subject key must be 32 bytes');
  return sm3(concatBytes(subjectKey, utf8(idNumber)));
}

let lastMs = 0;
let lastRand: Uint8Array = new Uint8Array(10);

/**
 * A UUIDv7 (RFC 9562) as 16 raw bytes: 48-bit millisecond time, version 7,
 * 74 random bits. Within one millisecond the random part is incremented so ids
 * stay strictly increasing from this thread, which keeps LevelDB keys ordered.
 * Written into `out` when given (16 bytes, e.g. a slice of a larger buffer).
 */
export function uuidv7(now: number = Date.now(), out: Uint8Array = new Uint8Array(16)): Uint8Array {
  if (out.length !== 16) throw new EvidenceError('EVIDENCE_BAD_LENGTH', 'a UUID takes 16 bytes');
  let rand: Uint8Array;
  if (now <= lastMs) {
    now = lastMs;
    rand = increment(lastRand);
  } else {
    rand = randomOf(10);
    rand[0]! &= 0x07; // leave headroom so increments within a millisecond rarely overflow
  }
  lastMs = now;
  lastRand = rand;
  const high = Math.floor(now / 2 ** 32);
  const low = now % 2 ** 32;
  out[0] = high >>> 8;
  out[1] = high & 0xff;
  out[2] = low >>> 24;
  out[3] = (low >>> 16) & 0xff;
  out[4] = (low >>> 8) & 0xff;
  out[5] = low & 0xff;
  out[6] = 0x70 | (rand[0]! & 0x0f);
  out[7] = rand[1]!;
  out[8] = 0x80 | (rand[2]! & 0x3f);
  out.set(rand.subarray(3), 9);
  return out;
}

function increment(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = (out[i]! + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}
