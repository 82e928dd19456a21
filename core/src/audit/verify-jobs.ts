import { prepareSm2PublicKey, sm2Verify, type Sm2PreparedKey } from '../sm2/sm2.js';
import type { VerifyJob } from './questions.js';

/**
 * The registered keys of one audit, each prepared once (a gateway has a
 * handful). Window 8 costs about 25 ms and 700 KiB per key and then halves
 * the cost of every check, which an audit of thousands of headers repays at
 * once. A key that is not a curve point stays null: every check under it
 * fails, as it must.
 */
export class PreparedKeys {
  private readonly keys = new Map<string, Sm2PreparedKey | null>();

  constructor(private readonly window = 8) {}

  get(key: string): Sm2PreparedKey | null {
    let prepared = this.keys.get(key);
    if (prepared === undefined) {
      try {
        prepared = prepareSm2PublicKey(key, this.window);
      } catch {
        prepared = null;
      }
      // Keys come from the registry, but a hostile chain view could name many: the table stays bounded.
      if (this.keys.size >= 64) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(key, prepared);
    }
    return prepared;
  }
}

export function verifyJobs(jobs: readonly VerifyJob[], keys: PreparedKeys): boolean[] {
  return jobs.map((j) => {
    const key = keys.get(j.key);
    return key !== null && sm2Verify(j.message, j.signature, key);
  });
}

/** Jobs packed into a few transferable buffers for a worker thread (one copy, no per-job objects cloned). */
export interface PackedJobs {
  id: number;
  keys: string[];
  keyIndex: Uint16Array<ArrayBuffer>;
  /** offsets[i]..offsets[i + 1] is job i's message in `messages`. */
  offsets: Uint32Array<ArrayBuffer>;
  messages: Uint8Array<ArrayBuffer>;
  /** 64 bytes per job. */
  signatures: Uint8Array<ArrayBuffer>;
}

export function packJobs(id: number, jobs: readonly VerifyJob[]): PackedJobs {
  const keys: string[] = [];
  const keyAt = new Map<string, number>();
  const keyIndex = new Uint16Array(jobs.length);
  const offsets = new Uint32Array(jobs.length + 1);
  let total = 0;
  jobs.forEach((j, i) => {
    let k = keyAt.get(j.key);
    if (k === undefined) keyAt.set(j.key, (k = keys.push(j.key) - 1));
    keyIndex[i] = k;
    offsets[i] = total;
    total += j.message.length;
  });
  offsets[jobs.length] = total;
  const messages = new Uint8Array(total);
  const signatures = new Uint8Array(jobs.length * 64);
  jobs.forEach((j, i) => {
    messages.set(j.message, offsets[i]!);
    signatures.set(j.signature.subarray(0, 64), i * 64);
  });
  return { id, keys, keyIndex, offsets, messages, signatures };
}

export function unpackJobs(p: PackedJobs): VerifyJob[] {
  return Array.from(p.keyIndex, (k, i) => ({
    key: p.keys[k]!,
    message: p.messages.subarray(p.offsets[i]!, p.offsets[i + 1]!),
    signature: p.signatures.subarray(i * 64, i * 64 + 64),
  }));
}
