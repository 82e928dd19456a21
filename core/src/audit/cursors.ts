import type { AnchoredCheckpoint } from '../ports/anchor.js';
import { ask, type Engine } from './questions.js';
import type { ServedCheckpoint } from './types.js';

const PAGE = 256;

/** The chain's anchored checkpoints in anchoring order, read a page at a time from a position (state reads, no log scans). */
export class ChainCheckpoints {
  private page: AnchoredCheckpoint[] = [];
  private at = 0;
  private ended = false;

  constructor(private nextIndex: number) {}

  /** The next checkpoint, or null after the last. */
  *peek(): Engine<AnchoredCheckpoint | null> {
    if (this.at >= this.page.length && !this.ended) {
      this.page = yield* ask({ kind: 'checkpoints', from: this.nextIndex, limit: PAGE });
      this.at = 0;
      this.nextIndex += this.page.length;
      this.ended = this.page.length < PAGE;
    }
    return this.page[this.at] ?? null;
  }

  skip(): void {
    this.at += 1;
  }
}

/** The checkpoints the gateway says are anchored, by increasing size, above a size; nothing when it has no batch log. */
export class ServedCheckpoints {
  private buffered: ServedCheckpoint[] = [];
  private after: number;
  private more = true;

  constructor(after: number) {
    this.after = after;
  }

  /** Every entry with size at most `size` not taken yet (an entry out of order comes with the page it is in). */
  *upTo(size: number): Engine<ServedCheckpoint[]> {
    while (this.more && (this.buffered.length === 0 || this.buffered.at(-1)!.checkpoint.size <= size)) {
      const page = yield* ask({ kind: 'served-checkpoints', after: this.after, limit: PAGE });
      const entries = page?.checkpoints ?? [];
      this.buffered.push(...entries);
      const last = entries.at(-1)?.checkpoint.size;
      // A page that does not move the cursor forward ends the listing (a gateway answering the same page forever).
      this.more = Boolean(page?.more) && typeof last === 'number' && last > this.after;
      if (typeof last === 'number' && last > this.after) this.after = last;
    }
    const cut = this.buffered.findIndex((e) => !(e.checkpoint.size <= size));
    const taken = cut === -1 ? this.buffered : this.buffered.slice(0, cut);
    this.buffered = cut === -1 ? [] : this.buffered.slice(cut);
    return taken;
  }
}
