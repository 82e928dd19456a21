import { equalBytes, fromHex, toHex } from '../encoding/bytes.js';
import { hashFor, type HashAlg, type HashFn } from '../hash/alg.js';
import { verifyConsistency } from '../merkle/consistency.js';
import { verifyInclusion } from '../merkle/verify.js';
import type { AnchoredCheckpoint } from '../ports/anchor.js';
import { CompactRange } from './compact-range.js';
import { batchesText, type Findings } from './findings.js';
import { ask, type Engine } from './questions.js';

/** Leaves kept since the last verified checkpoint, to narrow a mismatch down (32 bytes each). */
const WINDOW_LIMIT = 1 << 21;
/** Batches named one by one in one window before the rest is reported as a range. */
const MAX_NAMED = 100;

/** How a checkpoint boundary went. */
export type BoundaryStatus =
  /** The served headers give the chain's root. */
  | 'matched'
  /** They do not, and the differing entries were named and replaced by the anchored ones. */
  | 'corrected'
  /** The log could not be recomputed up to here (a missing header) and was taken from the gateway's proof against the chain's root. */
  | 'reseeded'
  /** Nothing could be verified at this boundary. */
  | 'lost';

interface Verified {
  index: number;
  size: number;
  root: Uint8Array;
  /** The range was verified at this size (not lost). */
  verified: boolean;
}

export interface LogStart {
  size: number;
  alg: HashAlg | null;
  /** The compact range at `size` (from a state file), empty for a fresh audit. */
  nodes: Uint8Array[];
  prev: { index: number; size: number; root: Uint8Array } | null;
}

/**
 * Membership of the served headers in the anchored batch log (spec sections
 * 9 to 11). The log is recomputed from the served headers as a compact range
 * and its root compared with the chain's at every anchored checkpoint, so a
 * header changed after it was anchored shows at the first checkpoint above
 * it, and is then named with the gateway's own proofs checked against the
 * chain's root. Consecutive checkpoints whose consistency the recomputation
 * does not already show are checked with the gateway's consistency proof.
 * Only the chain's roots are trusted; every proof comes from the gateway.
 */
export class LogCheck {
  private h: HashFn | null = null;
  private range: CompactRange | null = null;
  /** The range at the last verified size; the window holds the leaves since. */
  private base: CompactRange | null = null;
  private window: LeafWindow | null = new LeafWindow();
  /** The range has grown without a break since `prev` was verified. */
  private continuous = true;
  private pending: LogStart | null;
  private prev: Verified | null;
  private lastLeaf: Uint8Array | null = null;

  constructor(
    private readonly findings: Findings,
    start: LogStart,
  ) {
    this.pending = start;
    this.prev = start.prev && { ...start.prev, verified: true };
    if (start.alg) this.useAlg(start.alg);
  }

  /** The log's algorithm, from a state file or the first header; the range starts once it is known. */
  useAlg(alg: HashAlg): void {
    if (this.h) return;
    this.h = hashFor(alg);
    if (this.pending) {
      this.range = CompactRange.fromNodes(this.h, this.pending.size, this.pending.nodes);
      this.base = this.range.clone();
      this.pending = null;
    }
  }

  get rangeNow(): CompactRange | null {
    return this.range;
  }

  append(leaf: Uint8Array): void {
    this.lastLeaf = leaf;
    if (!this.range) return;
    this.range.append(leaf);
    if (this.window && !this.window.push(leaf, WINDOW_LIMIT)) this.window = null;
  }

  /** A leaf that cannot be computed (a missing or malformed header): the range is lost until a checkpoint reseeds it. */
  lose(): void {
    this.range = null;
    this.base = null;
    this.window = null;
    this.pending = null;
    this.continuous = false;
    this.lastLeaf = null;
  }

  /** Compares the log with the chain's checkpoint `cp`, after entry cp.size - 1 was appended. */
  *boundary(cp: AnchoredCheckpoint): Engine<BoundaryStatus> {
    const root = fromHex(cp.root, 32, 'checkpoint root');
    const status = yield* this.status(cp.size, root);
    if (this.prev && this.h) {
      const implied = this.prev.verified && this.continuous && (status === 'matched' || status === 'corrected');
      if (!implied) yield* this.checkConsistency(this.prev, cp.size, root);
    }
    const verified = status !== 'lost';
    if (verified) {
      this.base = this.range!.clone();
      this.window = new LeafWindow();
    }
    this.continuous = verified;
    this.prev = { index: cp.index, size: cp.size, root, verified };
    return status;
  }

  private *status(size: number, root: Uint8Array): Engine<BoundaryStatus> {
    if (!this.h) return 'lost';
    if (this.range) {
      if (equalBytes(this.range.root(), root)) return 'matched';
      this.range = yield* this.narrow(size, root);
      return this.range ? 'corrected' : 'lost';
    }
    this.range = yield* this.reseed(size, root);
    return this.range ? 'reseeded' : 'lost';
  }

  /**
   * The served leaves since the last verified size B do not give the chain's
   * root at C. The first entry that differs is found by bisection over
   * prefixes: prefix m is in the anchored log when the gateway's consistency
   * proof from m to C verifies with our root at m and the chain's at C. The
   * gateway's inclusion proof at that entry then shows which leaf the
   * anchored log holds; that leaf replaces ours and the search goes on. A
   * gateway whose proofs do not verify gets the whole range named instead.
   */
  private *narrow(size: number, root: Uint8Array): Engine<CompactRange | null> {
    const base = this.base!;
    const from = base.size;
    if (!this.window) {
      this.findings.add('log-mismatch', 'both', from, `${mismatchText(from, size - 1, size)}; too many batches since the checkpoint before to narrow it down`, 'error', size - 1);
      return null;
    }
    const leaves = this.window.all();
    const rangeAt = (m: number) => {
      const r = base.clone();
      for (let i = from; i < m; i++) r.append(leaves[i - from]!);
      return r;
    };
    let lo = from;
    for (let named = 0; ; named++) {
      const full = rangeAt(size);
      if (equalBytes(full.root(), root)) return full;
      if (named >= MAX_NAMED) {
        this.findings.add('log-mismatch', 'both', lo, `${mismatchText(lo, size - 1, size)}; not narrowed further after ${MAX_NAMED} batches`, 'error', size - 1);
        return null;
      }
      const f = yield* this.firstOutside(lo, size, root, (m) => rangeAt(m).root());
      const anchored = yield* this.anchoredLeaf(f, size, root);
      if (!anchored || equalBytes(anchored, leaves[f - from]!)) {
        this.findings.add('log-mismatch', 'both', lo, `${mismatchText(lo, size - 1, size)}, and the gateway's proofs do not show which entry differs`, 'error', size - 1);
        return null;
      }
      this.findings.add(
        'log-mismatch',
        'both',
        f,
        `the header the gateway serves as batch ${f} (log leaf ${toHex(leaves[f - from]!)}) is not the entry the log anchored at size ${size} holds (${toHex(anchored)})`,
      );
      leaves[f - from] = anchored;
      lo = f + 1;
    }
  }

  /** The first entry in [lo, size) outside the anchored log of `size`, given that [0, lo) is in it. */
  private *firstOutside(lo: number, size: number, root: Uint8Array, rootAt: (m: number) => Uint8Array): Engine<number> {
    let good = lo;
    let bad = size;
    while (bad - good > 1) {
      const mid = good + Math.floor((bad - good) / 2);
      const proof = hexList(yield* ask({ kind: 'consistency', first: mid, second: size }));
      if (proof && verifyConsistency(this.h!, mid, size, rootAt(mid), root, proof)) good = mid;
      else bad = mid;
    }
    return bad - 1;
  }

  /** The leaf the anchored log of `size` holds at `seq`, shown by the gateway's inclusion proof against the chain's root; null when it cannot show it. */
  private *anchoredLeaf(seq: number, size: number, root: Uint8Array): Engine<Uint8Array | null> {
    const proof = yield* ask({ kind: 'inclusion', seq, size });
    if (!proof) return null;
    const leaf = hex32(proof.leafHash);
    const path = hexList(proof.path);
    return leaf && path && verifyInclusion(this.h!, seq, size, leaf, path, root) ? leaf : null;
  }

  /** The anchored log's range at `size`, from the gateway's proof of its last entry; the served header of that entry must be it. */
  private *reseed(size: number, root: Uint8Array): Engine<CompactRange | null> {
    const proof = yield* ask({ kind: 'inclusion', seq: size - 1, size });
    const leaf = proof && hex32(proof.leafHash);
    const path = proof && hexList(proof.path);
    const range = leaf && path ? CompactRange.fromLastEntryProof(this.h!, size, leaf, path, root) : null;
    if (range && this.lastLeaf && !equalBytes(this.lastLeaf, leaf!)) {
      this.findings.add('log-mismatch', 'both', size - 1, `the header the gateway serves as batch ${size - 1} is not the entry the log anchored at size ${size} holds (${toHex(leaf!)})`);
    }
    return range;
  }

  private *checkConsistency(prev: Verified, size: number, root: Uint8Array): Engine<void> {
    const proof = yield* ask({ kind: 'consistency', first: prev.size, second: size });
    const nodes = proof && hexList(proof);
    if (nodes && verifyConsistency(this.h!, prev.size, size, prev.root, root, nodes)) return;
    const why = proof ? "the gateway's consistency proof does not verify against them" : 'the gateway gives no consistency proof between them';
    this.findings.add(
      'log-fork',
      'both',
      prev.size,
      `the chain's checkpoints of size ${prev.size} (root ${toHex(prev.root)}) and ${size} (root ${toHex(root)}) are not shown consistent: ${why}`,
      'error',
      size - 1,
    );
  }
}

const mismatchText = (first: number, last: number, size: number) =>
  `the served headers of ${batchesText(first, last)} do not give the root the chain anchored at size ${size}`;

function hex32(value: unknown): Uint8Array | null {
  try {
    return fromHex(value, 32, 'hash');
  } catch {
    return null;
  }
}

/** Hex hashes from the gateway; null when any is malformed. */
function hexList(values: unknown): Uint8Array[] | null {
  if (!Array.isArray(values)) return null;
  const out: Uint8Array[] = [];
  for (const v of values) {
    const b = hex32(v);
    if (!b) return null;
    out.push(b);
  }
  return out;
}

/** 32-byte leaves in one growing buffer (a million leaves is one 32 MB allocation, not a million objects). */
class LeafWindow {
  private buf = new Uint8Array(32 * 64);
  private n = 0;

  /** False once the window would exceed `limit` leaves (the caller drops it). */
  push(leaf: Uint8Array, limit: number): boolean {
    if (this.n >= limit) return false;
    if ((this.n + 1) * 32 > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf.set(leaf, this.n * 32);
    this.n += 1;
    return true;
  }

  all(): Uint8Array[] {
    return Array.from({ length: this.n }, (_, i) => this.buf.slice(i * 32, i * 32 + 32));
  }
}
