import { encodeHeader } from '../batch/header.js';
import { fromHex, toHex } from '../encoding/bytes.js';
import { hashFor, type HashAlg } from '../hash/alg.js';
import { encodeCheckpoint } from '../log/checkpoint.js';
import { hashLeaf } from '../merkle/hashing.js';
import type { KeyHistory } from './keys.js';
import type { VerifyJob } from './questions.js';
import type { ServedBatch, ServedCheckpoint } from './types.js';

/** A signature to check against the key registered for `seq` (a header's own seq, a checkpoint's size - 1). */
export interface SignatureCheck {
  seq: number;
  /** The signed bytes, null when what was signed does not even encode. */
  message: Uint8Array | null;
  /** null when the served value is not 64 bytes of hex. */
  signature: Uint8Array | null;
  /** The registered key, null when the registry has none for this seq. */
  key: string | null;
  /** The key the gateway names beside it: tried first when looking for a rotated-out key. */
  hint: string;
  /** Index of its job in the chunk's ticket, -1 when there is nothing to verify. */
  job: number;
}

/** One served batch, decoded and hashed once, before the sequential checks. */
export interface PreparedBatch {
  seq: number;
  served: ServedBatch | null;
  /** headerHash, hex; null when the header is malformed or not the batch asked for. */
  hash: string | null;
  /** logLeafHash under the header's own algorithm. */
  leaf: Uint8Array | null;
  alg: HashAlg | null;
  /** Why the served header is not batch (gateway, seq), when it is not. */
  problem: string | null;
  sig: SignatureCheck;
}

export interface PreparedCheckpoint {
  served: ServedCheckpoint;
  /** Why the entry is not a checkpoint of this gateway, when it is not. */
  problem: string | null;
  sig: SignatureCheck;
}

/** Decodes, hashes and queues the signature check of one served batch. */
export function prepareBatch(seq: number, served: ServedBatch | null, gateway: string, keys: KeyHistory, jobs: VerifyJob[]): PreparedBatch {
  const none: SignatureCheck = { seq, message: null, signature: null, key: keys.keyAt(seq), hint: served?.publicKey ?? '', job: -1 };
  if (!served) return { seq, served, hash: null, leaf: null, alg: null, problem: null, sig: none };
  let bytes: Uint8Array;
  try {
    bytes = encodeHeader(served.header);
  } catch {
    return { seq, served, hash: null, leaf: null, alg: null, problem: `the gateway's header ${seq} is malformed`, sig: none };
  }
  const h = served.header;
  if (h.seq !== seq || h.gateway !== gateway) {
    return { seq, served, hash: null, leaf: null, alg: null, problem: `the gateway served header ${h.gateway}/${h.seq} as batch ${gateway}/${seq}`, sig: none };
  }
  const hash = hashFor(h.alg);
  const sig = signatureCheck(seq, bytes, served.signature, served.publicKey, keys, jobs);
  return { seq, served, hash: toHex(hash(bytes)), leaf: hashLeaf(hash, bytes), alg: h.alg, problem: null, sig };
}

/** Checks the shape of one anchored checkpoint the gateway lists, and queues its signature check (key of batch size - 1, spec section 12). */
export function prepareCheckpoint(served: ServedCheckpoint, gateway: string, keys: KeyHistory, jobs: VerifyJob[]): PreparedCheckpoint {
  const cp = served.checkpoint;
  const seq = Math.max(0, cp.size - 1);
  let bytes: Uint8Array | null = null;
  try {
    bytes = encodeCheckpoint(cp);
  } catch {
    // reported below
  }
  const problem = !bytes ? `the gateway lists a malformed checkpoint (size ${String(cp.size)})` : cp.gateway !== gateway ? `the gateway lists a checkpoint of gateway ${cp.gateway}` : null;
  const sig = problem ? { seq, message: null, signature: null, key: null, hint: '', job: -1 } : signatureCheck(seq, bytes!, served.signature, served.publicKey, keys, jobs);
  return { served, problem, sig };
}

function signatureCheck(seq: number, message: Uint8Array, signatureHex: string, hint: string, keys: KeyHistory, jobs: VerifyJob[]): SignatureCheck {
  const key = keys.keyAt(seq);
  let signature: Uint8Array | null = null;
  try {
    signature = fromHex(signatureHex, 64, 'signature');
  } catch {
    signature = null;
  }
  let job = -1;
  // The registered key decides, whatever key the gateway names beside it.
  if (signature && key) job = jobs.push({ message, signature, key }) - 1;
  return { seq, message, signature, key, hint: typeof hint === 'string' ? hint : '', job };
}
