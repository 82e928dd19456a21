import { encodeHeader } from '../batch/header.js';
import { toHex } from '../encoding/bytes.js';
import { hashFor } from '../hash/alg.js';
import type { Findings } from './findings.js';
import { ask, type Engine } from './questions.js';
import type { ServedBatch } from './types.js';

/**
 * Batches anchored one by one (version 1 data), checked without reading the
 * chain per batch. The anchor only accepted batch s with prev = headerHash of
 * batch s - 1, so the anchored batches form a hash chain that ends at the
 * chain's latest headerHash. Served headers that link by prev form runs; the
 * top of a run equal to the anchored batch there makes every batch of the
 * run equal to the anchored one. Only a run whose top differs costs reads:
 * a bisection (about log2 n reads of each side) finds its first differing
 * batch, since inside a linked run the equal batches are a prefix.
 */
export class V1Check {
  private runStart: number | null = null;
  private runTopHash: string | null = null;

  constructor(
    private readonly findings: Findings,
    /** The chain's latest batch anchored one by one, or null. */
    private readonly latest: { seq: number; headerHash: string } | null,
  ) {}

  get last(): number {
    return this.latest?.seq ?? -1;
  }


  /** Batch `seq` cannot join a run (missing, malformed): the run below it ends. */
  *breakAt(seq: number): Engine<void> {
    if (this.runStart !== null) yield* this.resolve(this.runStart, seq - 1, this.runTopHash!);
    this.runStart = null;
    this.runTopHash = null;
  }

  /** Batch `seq` is served and well formed, and links to the batch before when `linked`. */
  *extend(seq: number, hash: string, linked: boolean): Engine<void> {
    if (seq > this.last) return;
    if (!linked && this.runStart !== null) yield* this.breakAt(seq);
    this.runStart ??= seq;
    this.runTopHash = hash;
    if (seq === this.last) yield* this.breakAt(seq + 1);
  }

  /** Compares the run [first, top] with the chain at its top, and finds its first differing batch when they differ. */
  private *resolve(first: number, top: number, topHash: string): Engine<void> {
    const chainTop = top === this.last ? this.latest!.headerHash : (yield* ask({ kind: 'chain-batch', seq: top }))?.headerHash;
    if (chainTop === undefined) {
      this.findings.add('gap', 'chain', top, `batch ${top} is missing on chain, though the latest anchored is ${this.last}`);
      return;
    }
    if (chainTop === topHash) return;
    let good = first - 1;
    let bad = top;
    while (bad - good > 1) {
      const mid = good + Math.floor((bad - good) / 2);
      const same = yield* this.sameAt(mid);
      if (same === null) return;
      if (same) good = mid;
      else bad = mid;
    }
    yield* this.reportFork(bad, top);
  }

  /** Whether the served batch `seq` is the anchored one; null when the chain lacks it (reported). */
  private *sameAt(seq: number): Engine<boolean | null> {
    const [served] = yield* ask({ kind: 'served', from: seq, to: seq + 1 });
    const onChain = yield* ask({ kind: 'chain-batch', seq });
    if (!onChain) {
      this.findings.add('gap', 'chain', seq, `batch ${seq} is missing on chain, though the latest anchored is ${this.last}`);
      return null;
    }
    return servedHash(served ?? null) === onChain.headerHash;
  }

  private *reportFork(seq: number, top: number): Engine<void> {
    const [served] = yield* ask({ kind: 'served', from: seq, to: seq + 1 });
    const onChain = seq === this.last ? null : yield* ask({ kind: 'chain-batch', seq });
    const header = served?.header;
    const what =
      header && onChain && onChain.root !== header.root
        ? `root ${header.root} (chain ${onChain.root})`
        : `headerHash ${servedHash(served ?? null) ?? 'unreadable'} (chain ${onChain?.headerHash ?? this.latest!.headerHash})`;
    const rest = top > seq ? `; batches ${seq + 1}..${top} link to it and differ too` : '';
    this.findings.add('fork', 'both', seq, `the gateway serves a different batch ${seq} than the one anchored: ${what}${rest}`, 'error', top);
  }
}

function servedHash(served: ServedBatch | null): string | null {
  if (!served) return null;
  try {
    return toHex(hashFor(served.header.alg)(encodeHeader(served.header)));
  } catch {
    return null;
  }
}
