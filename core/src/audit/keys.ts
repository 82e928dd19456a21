import { toHex, utf8 } from '../encoding/bytes.js';
import { sm3 } from '../hash/sm3.js';
import type { KeyEpoch } from './types.js';

/**
 * The SM2 keys registered for a gateway, by batch seq, read once per audit
 * (not one chain read per batch). Epochs are sorted by fromSeq; the key for
 * a seq is that of the last epoch starting at or below it.
 */
export class KeyHistory {
  private readonly epochs: KeyEpoch[];

  constructor(epochs: readonly KeyEpoch[]) {
    this.epochs = [...epochs].sort((a, b) => a.fromSeq - b.fromSeq);
  }

  keyAt(seq: number): string | null {
    let lo = 0;
    let hi = this.epochs.length - 1;
    let found: string | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.epochs[mid]!.fromSeq <= seq) {
        found = this.epochs[mid]!.publicKey;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Every key the gateway ever had registered: a signature by one that is not the key of its seq was made with a rotated-out (or not yet valid) key. */
  get keys(): string[] {
    return [...new Set(this.epochs.map((e) => e.publicKey))];
  }

  /**
   * SM3 over the epochs that decide the keys of seqs below `size`. A state
   * file keeps it: if the registry now gives an already audited seq another
   * key, the earlier verdict no longer holds and the audit starts over.
   */
  digestBelow(size: number): string {
    const below = this.epochs.filter((e) => e.fromSeq < size).map((e) => `${e.fromSeq}:${e.publicKey}`);
    return toHex(sm3(utf8(below.join('\n'))));
  }
}

/** Epochs from one key per seq (a chain view read seq by seq). */
export function epochsFromKeys(keys: readonly (string | null)[]): KeyEpoch[] {
  const out: KeyEpoch[] = [];
  keys.forEach((key, seq) => {
    if (key !== null && out.at(-1)?.publicKey !== key) out.push({ fromSeq: seq, publicKey: key });
  });
  return out;
}

/**
 * Epochs over seqs [0, to) found with the port's keyAt alone (a chain whose
 * adapter offers no key history): bisection between seqs whose keys differ,
 * about log2(to) reads per rotation instead of one per batch. A rotation
 * back to an earlier key inside a span whose two ends have the same key is
 * invisible to it; an adapter with keyHistory has no such blind spot.
 */
export async function epochsFromKeyAt(keyAt: (seq: number) => Promise<string | null>, to: number): Promise<KeyEpoch[]> {
  if (to <= 0) return [];
  const known = new Map<number, string | null>();
  const read = async (seq: number) => {
    if (!known.has(seq)) known.set(seq, await keyAt(seq));
    return known.get(seq)!;
  };
  const changes: KeyEpoch[] = [];
  const first = await read(0);
  if (first !== null) changes.push({ fromSeq: 0, publicKey: first });
  // Finds every seq in (lo, hi] whose key differs from the seq before it.
  const split = async (lo: number, hi: number): Promise<void> => {
    const [a, b] = await Promise.all([read(lo), read(hi)]);
    if (a === b) return;
    if (hi - lo === 1) {
      if (b !== null) changes.push({ fromSeq: hi, publicKey: b });
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2);
    await split(lo, mid);
    await split(mid, hi);
  };
  await split(0, to - 1);
  return changes.sort((x, y) => x.fromSeq - y.fromSeq);
}
