import { signCheckpoint, toHex, type Checkpoint } from '@evidence/core';
import type { CheckpointRecord, LogStore } from '../ports/store.js';
import type { BatchLog } from './batch-log.js';

export interface CheckpointerOptions {
  store: Pick<LogStore, 'putCheckpoint' | 'latestCheckpoint'>;
  log: Pick<BatchLog, 'size' | 'root' | 'alg'>;
  gatewayId: string;
  sm2: { privateKey: string; publicKey: string };
  /** At most one checkpoint per this many ms (the batch window), so a burst of batches signs once. */
  minIntervalMs: number;
  /** Told about each checkpoint once it is durably stored (anchoring, witnesses). */
  onSigned: (record: CheckpointRecord) => void | Promise<void>;
  onError?: (e: unknown) => void;
  now?: () => number;
}

/**
 * Signs checkpoints of the batch log (spec section 10) whenever the log has
 * grown, at most once per window: a signed checkpoint covering a batch exists
 * about one window after the batch closes, whatever the chain is doing.
 */
export class Checkpointer {
  private lastSignedAt = 0;
  private lastSize = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private signing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly o: CheckpointerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Resumes: signs at once when batches closed after the last checkpoint before a stop. */
  async start(): Promise<void> {
    this.lastSize = (await this.o.store.latestCheckpoint())?.checkpoint.size ?? 0;
    this.logGrew();
  }

  /** A batch was appended to the log. */
  logGrew(): void {
    if (this.stopped || this.timer || this.o.log.size <= this.lastSize) return;
    const due = this.lastSignedAt + this.o.minIntervalMs - this.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.signing = this.signing
        .then(() => this.sign())
        .catch((e: unknown) => {
          // Nothing was stored; the log is still ahead of the last checkpoint, so try again after a pause.
          this.o.onError?.(e);
          this.lastSignedAt = this.now();
          this.logGrew();
        });
    }, Math.max(0, due));
  }

  /**
   * Signs a checkpoint now if the log grew since the last one, whatever the
   * window, and returns the latest. Anchoring calls it when it is about to send:
   * its own pace (one transaction per confirmation) already bounds how often.
   */
  async latest(): Promise<CheckpointRecord | null> {
    const run = this.signing.then(() => this.sign());
    this.signing = run.catch(() => undefined);
    await run;
    return this.o.store.latestCheckpoint();
  }

  /**
   * Signs the latest checkpoint again with the current time, replacing it when
   * the log has not grown: an anchor that checks ts against its clock refused
   * it as too old. Only a checkpoint no chain holds is ever replaced.
   */
  async renew(): Promise<void> {
    const run = this.signing.then(async () => {
      const latest = await this.o.store.latestCheckpoint();
      if (latest && latest.anchoredAt === null && latest.checkpoint.size === this.o.log.size) this.lastSize = latest.checkpoint.size - 1;
      await this.sign(true);
    });
    this.signing = run.catch(() => undefined);
    await run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.signing;
  }

  private async sign(replacing = false): Promise<void> {
    const size = this.o.log.size;
    if (this.stopped || size <= this.lastSize) return;
    // A checkpoint of this size may exist from before a restart: never replace it (it may be anchored),
    // unless renew() found it unanchored and asked for exactly that.
    if (!replacing) this.lastSize = Math.max(this.lastSize, (await this.o.store.latestCheckpoint())?.checkpoint.size ?? 0);
    if (size <= this.lastSize) return;
    const checkpoint: Checkpoint = { gateway: this.o.gatewayId, alg: this.o.log.alg, size, root: await this.o.log.root(size), ts: this.now() };
    const record: CheckpointRecord = {
      checkpoint,
      signature: toHex(signCheckpoint(checkpoint, this.o.sm2.privateKey)),
      publicKey: this.o.sm2.publicKey,
      cosignatures: [],
      anchor: null,
      anchoredAt: null,
    };
    await this.o.store.putCheckpoint(record);
    this.lastSize = size;
    this.lastSignedAt = checkpoint.ts;
    await this.o.onSigned(record);
    // Batches closed while this one was being signed wait for the next window.
    this.logGrew();
  }
}
