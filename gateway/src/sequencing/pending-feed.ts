import type { EvidenceStore, PendingLeaf } from '../ports/store.js';

export interface PendingFeedOptions {
  store: Pick<EvidenceStore, 'pending'>;
  /** The batcher's intake: each leaf is handed over once. */
  add: (leaves: PendingLeaf[]) => void;
  everyMs: number;
  onError?: (e: unknown) => void;
}

/**
 * Feeds the sequencer's batcher with the pending queue every instance writes
 * to: leaves this instance made durable at once, and the others' leaves as the
 * periodic read of the shared queue finds them. Each leaf goes to the batcher
 * once: an id handed over is remembered until a batch closes with it (a read
 * that started before that close may still list it as pending).
 */
export class PendingFeed {
  private readonly handed = new Set<string>();
  /** Ids of closed batches, with the number of the last read that may have started before the close. */
  private readonly retiring = new Map<string, number>();
  private reads = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;

  constructor(private readonly o: PendingFeedOptions) {}

  /** Starts reading the shared queue; `resumed` are the leaves the batcher started with. */
  start(resumed: readonly PendingLeaf[]): void {
    for (const l of resumed) this.handed.add(l.id);
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Leaves made durable by this instance. */
  offer(leaves: readonly PendingLeaf[]): void {
    if (this.stopped) return;
    const fresh = leaves.filter((l) => !this.handed.has(l.id));
    for (const l of fresh) this.handed.add(l.id);
    if (fresh.length > 0) this.o.add(fresh);
  }

  /** A batch closed with these ids: forgotten once a read that started after the close has finished. */
  batched(ids: Iterable<string>): void {
    for (const id of ids) this.retiring.set(id, this.reads);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const read = ++this.reads;
      this.o.store.pending().then(
        (leaves) => {
          this.offer(leaves);
          for (const [id, before] of this.retiring) {
            if (before >= read) continue;
            this.retiring.delete(id);
            this.handed.delete(id);
          }
          this.schedule();
        },
        (e: unknown) => {
          this.o.onError?.(e);
          this.schedule();
        },
      );
    }, this.o.everyMs);
  }
}
