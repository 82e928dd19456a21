import { signCheckpoint, toHex, type Anchor, type AnchoredCheckpoint, type AnchorRef } from '@evidence/core';
import { ANCHOR_RETRY, checkpointJobId, OUTCOME_RETRY, QUEUES, type CheckpointJob, type CheckpointOutcome } from '../jobs.js';
import type { BatchLog } from '../log/batch-log.js';
import type { JobQueue } from '../ports/queue.js';
import type { BatchStore, CheckpointRecord, LogStore } from '../ports/store.js';
import { checkpointJobHandler, type CheckpointJobStep } from './checkpoint-job.js';
import { checkChainHistory, type HistoryProblem } from './history.js';

/** How many of the chain's latest checkpoints a restart reads back to find those it did not record. */
const RECONCILE_WINDOW = 16;

export type AnchoringState =
  | { state: 'disabled'; message: string }
  | { state: 'checking'; message: string }
  | { state: 'ready'; message: string }
  | { state: 'halted'; problem: HistoryProblem | 'ANCHOR_FAILED'; message: string };

export interface AnchoringOptions {
  store: BatchStore & LogStore;
  log: BatchLog;
  queue: JobQueue;
  /** null when ANCHOR=none: checkpoints are signed and kept until an anchor is configured. */
  anchor: Anchor | null;
  gatewayId: string;
  sm2: { privateKey: string; publicKey: string };
  /** Whether this process runs the 'checkpoint' jobs (false with ANCHOR_WORKER=external). */
  runAnchorJobs: boolean;
  /** No checkpoint is sent sooner than this after the previous one was sent (ms); one is in flight at a time whatever it is. */
  minIntervalMs: number;
  /** The checkpoint to send: the latest signed, signed afresh when the log grew since (Checkpointer.latest). */
  latestCheckpoint: () => Promise<CheckpointRecord | null>;
  /** Signs the latest checkpoint again with the current time (Checkpointer.renew), after an anchor found it too old. */
  renewCheckpoint: () => Promise<void>;
  /** Told once a checkpoint is recorded as anchored, with the batches it anchored first (subscriptions, metrics). */
  onAnchored: (checkpoint: CheckpointRecord, firstSeq: number) => Promise<void>;
  logger: { info: (msg: string) => void; warn: (msg: string) => void; error: (msg: string) => void };
  /** How often to look again for a checkpoint to send, in case a job was lost (a flushed Redis). */
  sweepMs?: number;
  /** Crash tests stop the process at a step of the job (wired by the composition root). */
  onJobStep?: (step: CheckpointJobStep, size: number) => void;
  /** Crash tests stop the process after the outcome arrives and before it is recorded. */
  beforeRecord?: (size: number) => void;
  now?: () => number;
}

/**
 * Anchoring of the batch log (spec section 11): at most one checkpoint
 * transaction in flight; when it is confirmed, the next one anchors the
 * latest signed checkpoint, no sooner than minIntervalMs after the last was sent. A
 * chain that confirms slowly therefore gets fewer, larger checkpoints and
 * never falls behind. At start, and whenever a job finds the chain elsewhere
 * than expected, the chain's latest checkpoint is compared with the log and
 * recorded if it is this gateway's (a crash between sending and recording).
 */
export class AnchoringService {
  private current: AnchoringState;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private kickTimer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: { size: number; since: number } | null = null;
  private lastSentAt = 0;
  private stopped = false;
  private kicking: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly o: AnchoringOptions) {
    this.now = o.now ?? Date.now;
    this.current = o.anchor
      ? { state: 'checking', message: 'checking the chain history' }
      : { state: 'disabled', message: 'no anchor configured (ANCHOR=none): checkpoints are signed and kept until one is' };
  }

  get status(): AnchoringState {
    return this.current;
  }

  start(): void {
    this.o.queue.process<CheckpointOutcome>(QUEUES.checkpointed, (outcome) => this.record(outcome), { retry: OUTCOME_RETRY });
    if (!this.o.anchor) return;
    if (this.o.runAnchorJobs) {
      this.o.queue.process<CheckpointJob>(
        QUEUES.checkpoint,
        checkpointJobHandler({ anchor: this.o.anchor, queue: this.o.queue, onStep: this.o.onJobStep }),
        { concurrency: 1, retry: ANCHOR_RETRY, onFailed: (_data, e) => this.halt('ANCHOR_FAILED', e.message) },
      );
    }
    void this.check();
  }

  /** A checkpoint was signed: send it if nothing is in flight. */
  checkpointSigned(): void {
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
  }

  private async check(): Promise<void> {
    if (this.stopped || !this.o.anchor) return;
    try {
      const result = await checkChainHistory(this.o.anchor, this.o.store, this.o.log, this.o.gatewayId, this.o.sm2.publicKey);
      if (!result.ok) {
        // Not registered yet may be fixed by the governor; look again later. The others need a person.
        if (result.problem === 'GATEWAY_NOT_REGISTERED') {
          this.set({ state: 'checking', message: result.message }, 'warn');
          return this.later(() => this.check(), 5000);
        }
        return this.halt(result.problem, result.message);
      }
      const fork = result.chainCheckpoint ? await this.reconcile(result.chainCheckpoint) : null;
      if (fork) return this.halt('CHAIN_FORK', fork);
      this.inFlight = null;
      this.set({ state: 'ready', message: result.message }, 'info');
      this.sweep();
    } catch (e) {
      this.set({ state: 'checking', message: `the chain is unreachable, retrying: ${(e as Error).message}` }, 'warn');
      this.later(() => this.check(), 2000);
    }
  }

  /**
   * The chain holds checkpoints of this gateway's log that the store does not
   * know as anchored (a crash between sending and recording; with an external
   * worker, outcomes not yet read). The latest was compared with the log by
   * the caller; the ones before it are read from chain state (a handful: one
   * transaction is in flight at a time) and each compared too, so every
   * anchored checkpoint is recorded and bundles name the first that holds
   * their batch.
   */
  private async reconcile(latest: AnchoredCheckpoint): Promise<string | null> {
    const localSize = (await this.o.store.lastAnchoredCheckpoint())?.checkpoint.size ?? 0;
    if (localSize >= latest.size) return null;
    const from = Math.max(0, latest.index - RECONCILE_WINDOW + 1);
    const onChain = (await this.o.anchor!.checkpoints(this.o.gatewayId, from, RECONCILE_WINDOW)).filter((c) => c.size > localSize && c.size <= latest.size);
    if (!onChain.some((c) => c.size === latest.size)) onChain.push(latest);
    for (const c of onChain.sort((a, b) => a.size - b.size)) {
      if ((await this.o.log.root(c.size)) !== c.root) {
        return `the chain's checkpoint of size ${c.size} (${c.root}) is not this gateway's log. Anchoring is halted. / 链上检查点与本地批次日志不一致，已停止锚定。`;
      }
      await this.recordFromChain(c);
    }
    return null;
  }

  private async recordFromChain(c: AnchoredCheckpoint): Promise<void> {
    if (!(await this.o.store.checkpointAt(c.size))) {
      // Signed and sent before a crash lost the record: the chain's values, signed again, are the same checkpoint.
      const checkpoint = { gateway: this.o.gatewayId, alg: this.o.log.alg, size: c.size, root: c.root, ts: c.ts };
      const signature = toHex(signCheckpoint(checkpoint, this.o.sm2.privateKey));
      await this.o.store.putCheckpoint({ checkpoint, signature, publicKey: this.o.sm2.publicKey, cosignatures: [], anchor: null, anchoredAt: null });
    }
    const receipt = await this.o.anchor!.checkpointReceipt(this.o.gatewayId, c.size).catch(() => null);
    await this.recordAnchored(c.size, receipt, this.now());
  }

  /** Sends the latest signed checkpoint when nothing is in flight and the interval has passed. Serialised. */
  private kick(): void {
    this.kicking = this.kicking.then(() => this.kickNow()).catch((e: unknown) => this.o.logger.warn(`anchoring: ${(e as Error).message}`));
  }

  private async kickNow(): Promise<void> {
    if (this.stopped || this.current.state !== 'ready' || this.inFlight) return;
    // Counted from the previous send, not its confirmation: on a chain with 1 s blocks a pause after
    // each confirmation would skip every other block.
    const wait = this.lastSentAt + this.o.minIntervalMs - this.now();
    if (wait > 0) {
      if (!this.kickTimer) {
        this.kickTimer = setTimeout(() => {
          this.kickTimer = null;
          this.kick();
        }, wait);
      }
      return;
    }
    const [latest, anchored] = await Promise.all([this.o.latestCheckpoint(), this.o.store.lastAnchoredCheckpoint()]);
    const from = anchored?.checkpoint.size ?? 0;
    if (!latest || latest.checkpoint.size <= from) return;
    const size = latest.checkpoint.size;
    const job: CheckpointJob = {
      gateway: this.o.gatewayId,
      checkpoint: latest.checkpoint,
      signature: latest.signature,
      from,
      proof: from === 0 ? [] : await this.o.log.consistencyProof(from, size),
    };
    this.inFlight = { size, since: this.now() };
    this.lastSentAt = this.now();
    await this.o.queue.add(QUEUES.checkpoint, job, { jobId: checkpointJobId(size) });
  }

  private async record(outcome: CheckpointOutcome): Promise<void> {
    this.o.beforeRecord?.(outcome.size);
    if (outcome.outcome === 'anchored') {
      await this.recordAnchored(outcome.size, outcome.anchor, outcome.at);
      if (this.inFlight?.size === outcome.size) this.inFlight = null;
      this.kick();
      return;
    }
    if (outcome.outcome === 'expired') {
      this.o.logger.warn(`anchoring: checkpoint ${outcome.size} is too old for the anchor's clock; signing a fresh one`);
      await this.o.renewCheckpoint();
      this.inFlight = null;
      this.kick();
      return;
    }
    // The chain is not where the job expected: compare it with the log again, then carry on from there.
    this.inFlight = null;
    this.set({ state: 'checking', message: `the chain moved while checkpoint ${outcome.size} was being anchored; checking it again` }, 'info');
    await this.check();
  }

  private async recordAnchored(size: number, anchor: AnchorRef | null, at: number): Promise<void> {
    const before = (await this.o.store.lastAnchoredCheckpoint())?.checkpoint.size ?? 0;
    if (before >= size) return;
    await this.o.store.markCheckpointAnchored(size, anchor, at);
    const record = await this.o.store.checkpointAt(size);
    if (record) await this.o.onAnchored(record, before);
  }

  /** Looks for a checkpoint to send now and then: one may have been signed while the chain was being checked, or a job lost. */
  private sweep(): void {
    if (this.stopped || this.current.state !== 'ready') return;
    const stale = this.inFlight && this.now() - this.inFlight.since > 10 * (this.o.sweepMs ?? 30_000);
    if (stale) this.inFlight = null;
    this.kick();
    this.later(() => Promise.resolve(this.sweep()), this.o.sweepMs ?? 30_000);
  }

  private halt(problem: HistoryProblem | 'ANCHOR_FAILED', message: string): void {
    this.set({ state: 'halted', problem, message }, 'error');
  }

  private set(state: AnchoringState, level: 'info' | 'warn' | 'error'): void {
    const changed = state.state !== this.current.state || state.message !== this.current.message;
    this.current = state;
    if (changed) this.o.logger[level](`anchoring ${state.state}: ${state.message}`);
  }

  private later(fn: () => Promise<void>, ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void fn(), ms);
    this.timer.unref?.();
  }
}
