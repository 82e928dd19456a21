/**
 * A signature worker thread: checks SM2 signatures for SignaturePool, and
 * signs the device's own hops. Keys
 * arrive as registered public keys (the main thread looked them up, never
 * taking one from a message); each is prepared once and kept, so the tables
 * are per thread and bounded.
 */
import { parentPort } from 'node:worker_threads';
import { prepareSm2PublicKey, sm2Sign, sm2Verify, type Sm2PreparedKey } from '@evidence/core';
import type { SignatureReply, SignatureRequest } from './signature-pool.js';

/** Keys kept prepared (window 4, a few KiB each), least recently used dropped first. */
const KEYS = 256;
/** Keys that earn a window-8 table (about 700 KiB each) once used this often. */
const FAST_SLOTS = 32;
const HOT_USES = 16;

interface Entry {
  prepared: Sm2PreparedKey | undefined;
  uses: number;
  fast: boolean;
}

const keys = new Map<string, Entry>();
let fastKeys = 0;

function keyFor(publicKey: string): Sm2PreparedKey | undefined {
  let entry = keys.get(publicKey);
  if (entry) {
    keys.delete(publicKey);
  } else {
    let prepared: Sm2PreparedKey | undefined;
    try {
      prepared = prepareSm2PublicKey(publicKey);
    } catch {
      prepared = undefined; // not a key: every signature under it fails
    }
    entry = { prepared, uses: 0, fast: false };
    if (keys.size >= KEYS) {
      const [oldest, old] = keys.entries().next().value!;
      if (old.fast) fastKeys--;
      keys.delete(oldest);
    }
  }
  keys.set(publicKey, entry);
  if (entry.prepared && ++entry.uses >= HOT_USES && !entry.fast && fastKeys < FAST_SLOTS) {
    entry.fast = true;
    fastKeys++;
    entry.prepared = prepareSm2PublicKey(publicKey, 8);
  }
  return entry.prepared;
}

parentPort!.on('message', (m: SignatureRequest) => {
  const valid = m.jobs.map((j) => {
    const key = keyFor(j.publicKey);
    return key !== undefined && sm2Verify(j.message, j.signature, key);
  });
  const reply: SignatureReply = { seq: m.seq, valid, ...(m.sign ? { signature: sm2Sign(m.sign.message, m.sign.privateKey) } : {}) };
  parentPort!.postMessage(reply);
});
