import { prepareSm2PublicKey, sm2Verify, type Sm2PreparedKey } from '../sm2/sm2.js';
import type { VerifyJob } from './questions.js';

interface Entry {
  prepared: Sm2PreparedKey | null;
  uses: number;
  wide: boolean;
}

/** Checks under one key after which its table is rebuilt with the wider window. */
const WIDEN_AFTER = 8192;
/** Keys per thread that may hold a wide table: each holds about eleven times the points of a window-8 one. */
const WIDE_KEYS = 4;

/**
 * The registered keys of one audit, each prepared once (a gateway has a
 * handful). A window-8 table is cheap to build and makes every check under
 * the key cheaper; a key that keeps being used (a day of one gateway's
 * headers) is rebuilt once with window 12, which costs more up front and
 * less per check after. A key that is not a curve point stays null: every
 * check under it fails, as it must.
 */
export class PreparedKeys {
  private readonly keys = new Map<string, Entry>();
  private wide = 0;

  constructor(private readonly window = 8) {}

  get(key: string): Sm2PreparedKey | null {
    let entry = this.keys.get(key);
    if (entry === undefined) {
      entry = { prepared: prepare(key, this.window), uses: 0, wide: false };
      // Keys come from the registry, but a hostile chain view could name many: the table stays bounded.
      if (this.keys.size >= 64) this.forget(this.keys.keys().next().value!);
      this.keys.set(key, entry);
    }
    if (++entry.uses === WIDEN_AFTER && entry.prepared && this.wide < WIDE_KEYS) {
      entry.prepared = prepare(key, 12);
      entry.wide = true;
      this.wide++;
    }
    return entry.prepared;
  }

  private forget(key: string): void {
    if (this.keys.get(key)?.wide) this.wide--;
    this.keys.delete(key);
  }
}

function prepare(key: string, window: number): Sm2PreparedKey | null {
  try {
    return prepareSm2PublicKey(key, window);
  } catch {
    return null;
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
  seq: number;
  keys: string[];
  keyIndex: Uint16Array<ArrayBuffer>;
  /** offsets[i]..offsets[i + 1] is job i's message in `messages`. */
  offsets: Uint32Array<ArrayBuffer>;
  messages: Uint8Array<ArrayBuffer>;
  /** 64 bytes per job. */
  signatures: Uint8Array<ArrayBuffer>;
}

export function packJobs(seq: number, jobs: readonly VerifyJob[]): PackedJobs {
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
  return { seq, keys, keyIndex, offsets, messages, signatures };
}

export function unpackJobs(p: PackedJobs): VerifyJob[] {
  return Array.from(p.keyIndex, (k, i) => ({
    key: p.keys[k]!,
    message: p.messages.subarray(p.offsets[i]!, p.offsets[i + 1]!),
    signature: p.signatures.subarray(i * 64, i * 64 + 64),
  }));
}
