import type { Neighbour, NodeTimers } from '../config.js';
import type { HopSigner } from '../forward/hops.js';
import { HttpClient, TransportError } from '../http/client.js';
import type { Destination } from '../routing/destination.js';
import type { Advertised, RouteDelta } from '../routing/export.js';
import type { PeerUpdate } from './messages.js';
import { SIGNATURE_HEADER, SIGNER_HEADER, signBody } from './signed-body.js';

export interface LinkContext {
  signer: HopSigner;
  client: HttpClient;
  timers: NodeTimers;
  /** This node's start time: a new session tells neighbours to expect a full table. */
  session: number;
  /** Routes for this neighbour: every destination when `dests` is omitted; `sent` is what it was told so far. */
  exportFor(neighbour: Neighbour, dests: Iterable<Destination> | undefined, sent: Advertised): RouteDelta;
  /** The neighbour stopped answering (or refused us): its routes must go. */
  onDown(neighbour: Neighbour, reason: string): void;
  onUp(neighbour: Neighbour): void;
}

/** Batch changes arriving together into one update. */
const FLUSH_DELAY_MS = 2;

/**
 * The outbound half of a session with one neighbour: sends route changes in
 * order, a full table after (re)connection or when the neighbour asks for one,
 * and an empty update as keepalive. A failed send marks the neighbour down and
 * is retried every keepalive interval.
 */
export class PeerLink {
  up = false;
  lastError: string | undefined;
  private readonly pending = new Set<Destination>();
  /** What the neighbour was told (reset by every full table). */
  private readonly sent: Advertised = new Map();
  private needFull = true;
  private seq = 0;
  private busy = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  /** When the neighbour last accepted an update. */
  private lastOkAt = 0;

  constructor(
    readonly neighbour: Neighbour,
    private readonly ctx: LinkContext,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Best routes of these destinations changed: tell the neighbour soon. */
  changed(dests: readonly Destination[]): void {
    if (this.stopped || this.neighbour.role === 'child') return;
    for (const d of dests) this.pending.add(d);
    this.schedule(FLUSH_DELAY_MS);
  }

  /** The neighbour showed signs of life: retry now instead of at the next keepalive. */
  nudge(): void {
    if (!this.up) this.schedule(0);
  }

  /** Forwarding to it failed: treat it as down until an update goes through again. */
  fail(reason: string): void {
    if (this.stopped) return;
    this.needFull = true;
    this.pending.clear();
    this.markDown(reason, true);
    this.schedule(this.ctx.timers.keepaliveMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** On graceful shutdown: an empty full table withdraws everything at once. */
  async farewell(timeoutMs: number): Promise<void> {
    this.stop();
    if (!this.up) return;
    await this.send(this.message(true, { announce: [], withdraw: [] }, 100), timeoutMs).catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.dueAt <= due) return;
    clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Infinity;
      void this.flush();
    }, delayMs);
    this.timer.unref?.();
  }

  private async flush(): Promise<void> {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      const full = this.needFull;
      const dests = full ? undefined : [...this.pending];
      this.pending.clear();
      const delta = this.ctx.exportFor(this.neighbour, dests, this.sent);
      const answer = await this.send(this.message(full, delta), Math.min(this.ctx.timers.holdMs, 10_000));
      if (answer.resync) {
        this.needFull = true;
        this.again = true;
      } else if (full) {
        this.needFull = false;
      }
      this.lastOkAt = Date.now();
      if (!this.up) {
        this.up = true;
        this.lastError = undefined;
        this.ctx.onUp(this.neighbour);
      }
    } catch (e) {
      this.needFull = true;
      this.pending.clear();
      // Refused connections mean it is gone; a slow or broken answer only once it
      // has been failing for a hold time (a busy neighbour is not a dead one).
      const gone = e instanceof TransportError && e.kind === 'connect';
      if (gone || Date.now() - this.lastOkAt > this.ctx.timers.holdMs) this.markDown((e as Error).message);
      else this.lastError = (e as Error).message;
    } finally {
      this.busy = false;
      if (this.again && this.up) {
        this.again = false;
        this.schedule(0);
      } else {
        this.again = false;
        this.schedule(this.pending.size > 0 && this.up ? FLUSH_DELAY_MS : this.ctx.timers.keepaliveMs);
      }
    }
  }

  private message(full: boolean, delta: RouteDelta, holdMs = this.ctx.timers.holdMs): PeerUpdate {
    return {
      v: 1,
      from: this.ctx.signer.id,
      to: this.neighbour.id,
      session: this.ctx.session,
      seq: ++this.seq,
      ts: Date.now(),
      holdMs,
      full,
      announce: delta.announce,
      withdraw: full ? [] : delta.withdraw,
    };
  }

  private async send(update: PeerUpdate, timeoutMs: number): Promise<{ resync: boolean }> {
    const body = Buffer.from(JSON.stringify(update));
    const answer = await this.ctx.client.post(`${this.neighbour.url}/v1/peer/update`, body, {
      timeoutMs,
      maxResponseBytes: 64 * 1024,
      peer: this.neighbour.id,
      headers: {
        [SIGNER_HEADER]: this.ctx.signer.id,
        [SIGNATURE_HEADER]: signBody(body, this.ctx.signer.privateKey, this.ctx.signer.publicKey),
      },
    });
    let parsed: { resync?: unknown; code?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed;
    } catch {
      throw new TransportError('reset', `neighbour answered ${answer.status} with a non-JSON body`);
    }
    if (answer.status !== 200) {
      throw new Error(`neighbour refused the update: ${answer.status} ${String(parsed.code)} ${String(parsed.message)}`);
    }
    return { resync: parsed.resync === true };
  }

  private markDown(reason: string, force = false): void {
    this.lastError = reason;
    if (!this.up && !force) return;
    this.up = false;
    this.ctx.onDown(this.neighbour, reason);
  }
}
