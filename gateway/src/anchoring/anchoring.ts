import type { Anchor, AnchorRef } from '@evidence/core';
import { ANCHOR_RETRY, ANCHORED_RETRY, anchorJobId, QUEUES, type AnchorJob, type AnchoredJob } from '../jobs.js';
import type { JobQueue } from '../ports/queue.js';
import type { BatchRecord, BatchStore } from '../ports/store.js';
import { anchorJobHandler } from './anchor-job.js';
import { checkChainHistory, type HistoryProblem } from './history.js';

/** Optional capability of an anchor adapter: find the receipt of a batch anchored earlier. */
export interface ReceiptLookup {
  receiptOf(gateway: string, seq: number): Promise<AnchorRef | null>;
}

export type AnchoringState =
  | { state: 'disabled'; message: string }
  | { state: 'checking'; message: string }
  | { state: 'ready'; message: string }
  | { state: 'halted'; problem: HistoryProblem | 'ANCHOR_FAILED'; message: string };

export interface AnchoringOptions {
  store: BatchStore;
  queue: JobQueue;
  /** null when ANCHOR=none: batches wait, signed, until an anchor is configured. */
  anchor: Anchor | null;
  gatewayId: string;
  publicKey: string;
  /** Whether this process runs the 'anchor' jobs (false with ANCHOR_WORKER=external). */
  runAnchorJobs: boolean;
  /** Told once a batch is recorded as anchored (subscriptions, metrics). */
  onAnchored: (batch: BatchRecord) => Promise<void>;
  log: { info: (msg: string) => void; warn: (msg: string) => void; error: (msg: string) => void };
  /** How often to look for batches without a queued job (lost with an in-memory queue or a flushed Redis). */
  sweepMs?: number;
  killAfterAnchor?: boolean;
}

/**
 * The gateway side of anchoring: checks the chain's history at start, turns
 * closed batches into 'anchor' jobs, and records the outcome of 'anchored'
 * jobs in the store. On restart, every closed batch not yet anchored is queued
 * again; the job handler makes that safe.
 */
export class AnchoringService {
  private current: AnchoringState;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly o: AnchoringOptions) {
    this.current = o.anchor
      ? { state: 'checking', message: 'checking the chain history' }
      : { state: 'disabled', message: 'no anchor configured (ANCHOR=none): batches are signed and kept until one is' };
  }

  get status(): AnchoringState {
    return this.current;
  }

  start(): void {
    this.o.queue.process<AnchoredJob>(QUEUES.anchored, (job) => this.recordAnchored(job), { retry: ANCHORED_RETRY });
    if (!this.o.anchor) return;
    if (this.o.runAnchorJobs) {
      this.o.queue.process<AnchorJob>(
        QUEUES.anchor,
        anchorJobHandler({ anchor: this.o.anchor, queue: this.o.queue, killAfterAnchor: this.o.killAfterAnchor }),
        { concurrency: 1, retry: ANCHOR_RETRY, onFailed: (_data, e) => this.halt('ANCHOR_FAILED', e.message) },
      );
    }
    void this.check();
  }

  /** A batch was just closed: queue it if anchoring is running. */
  async batchClosed(batch: BatchRecord): Promise<void> {
    if (this.current.state === 'ready') await this.enqueue(batch);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async check(): Promise<void> {
    if (this.stopped || !this.o.anchor) return;
    try {
      const result = await checkChainHistory(this.o.anchor, this.o.store, this.o.gatewayId, this.o.publicKey);
      if (!result.ok) {
        // Not registered yet may be fixed by the governor; look again later. The others need a person.
        if (result.problem === 'GATEWAY_NOT_REGISTERED') {
          this.set({ state: 'checking', message: result.message }, 'warn');
          return this.later(() => this.check(), 5000);
        }
        return this.halt(result.problem, result.message);
      }
      await this.reconcile(result.chainSeq);
      this.set({ state: 'ready', message: result.message }, 'info');
      await this.sweep();
    } catch (e) {
      this.set({ state: 'checking', message: `the chain is unreachable, retrying: ${(e as Error).message}` }, 'warn');
      this.later(() => this.check(), 2000);
    }
  }

  /** Batches the chain holds that the store does not know as anchored (a crash between the two). */
  private async reconcile(chainSeq: number): Promise<void> {
    for (const seq of await this.o.store.unanchored()) {
      if (seq > chainSeq) break;
      await this.recordAnchored({ seq, anchor: null, at: Date.now() });
    }
  }

  private async sweep(): Promise<void> {
    if (this.stopped || this.current.state !== 'ready') return;
    try {
      for (const seq of await this.o.store.unanchored()) {
        const batch = await this.o.store.getBatch(seq);
        if (batch) await this.enqueue(batch);
      }
    } catch (e) {
      this.o.log.warn(`anchoring sweep failed: ${(e as Error).message}`);
    }
    this.later(() => this.sweep(), this.o.sweepMs ?? 30_000);
  }

  private async enqueue(batch: BatchRecord): Promise<void> {
    const job: AnchorJob = {
      gateway: this.o.gatewayId,
      seq: batch.header.seq,
      header: batch.header,
      signature: batch.signature,
      headerHash: batch.headerHash,
    };
    await this.o.queue.add(QUEUES.anchor, job, { jobId: anchorJobId(batch.header.seq) });
  }

  private async recordAnchored(job: AnchoredJob): Promise<void> {
    let ref = job.anchor;
    const lookup = this.o.anchor as (Anchor & Partial<ReceiptLookup>) | null;
    if (ref === null && typeof lookup?.receiptOf === 'function') {
      ref = await lookup.receiptOf(this.o.gatewayId, job.seq).catch(() => null);
    }
    await this.o.store.markAnchored(job.seq, ref, job.at);
    const batch = await this.o.store.getBatch(job.seq);
    if (batch) await this.o.onAnchored(batch);
  }

  private halt(problem: HistoryProblem | 'ANCHOR_FAILED', message: string): void {
    this.set({ state: 'halted', problem, message }, 'error');
  }

  private set(state: AnchoringState, level: 'info' | 'warn' | 'error'): void {
    const changed = state.state !== this.current.state || state.message !== this.current.message;
    this.current = state;
    if (changed) this.o.log[level](`anchoring ${state.state}: ${state.message}`);
  }

  private later(fn: () => Promise<void>, ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void fn(), ms);
    this.timer.unref?.();
  }
}
