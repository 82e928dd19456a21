import type { Cosignature } from '@evidence/core';
import type { WitnessMetrics } from '../metrics.js';
import { checkRequest, cosign } from './cosign.js';
import { isWitnessError, WitnessError } from './errors.js';
import type { WitnessStore } from './store.js';
import type { CosignRequest, ForkEvidence, GatewayKeys, Witnessed, WitnessIdentity } from './types.js';

export const DEFAULT_TOLERANCE_MS = 10_000;

export interface WitnessOptions {
  identity: WitnessIdentity;
  store: WitnessStore;
  /** The registry's gateway keys (cache them: cachedGatewayKeys). */
  keys: GatewayKeys;
  /** The witness's clock (ms); Date.now by default. */
  clock?: () => number;
  /** Largest |checkpoint.ts - clock| accepted (ms). */
  toleranceMs?: number;
  metrics?: WitnessMetrics;
  /** Called on close, after the store: releases what the keys hold (a chain connection). */
  release?: () => void;
}

export interface WitnessInfo {
  id: string;
  publicKey: string;
  toleranceMs: number;
}

/**
 * A witness (spec section 10): cosigns a gateway's checkpoints after checking
 * the log only grew since the last one it cosigned, and keeps any pair of
 * gateway-signed checkpoints that shows otherwise. The decision is `cosign`
 * (cosign.ts); this class gathers what it needs (registered key, state,
 * clock), serialises requests per gateway and stores the outcome before it
 * answers. Used by the HTTP plugin (routes.ts), mounted in every routing node
 * and in the standalone witness (server.ts).
 */
export class Witness {
  readonly id: string;
  readonly publicKey: string;
  readonly toleranceMs: number;
  private readonly identity: WitnessIdentity;
  private readonly store: WitnessStore;
  private readonly keys: GatewayKeys;
  private readonly clock: () => number;
  private readonly metrics: WitnessMetrics | undefined;
  private readonly release: (() => void) | undefined;
  /** The tail of each gateway's queue: one request per gateway at a time. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly forkListeners = new Set<(e: ForkEvidence) => void>();
  private opening: Promise<void> | undefined;

  constructor(o: WitnessOptions) {
    this.identity = o.identity;
    this.id = o.identity.id;
    this.publicKey = o.identity.publicKey;
    this.store = o.store;
    this.keys = o.keys;
    this.clock = o.clock ?? Date.now;
    this.toleranceMs = o.toleranceMs ?? DEFAULT_TOLERANCE_MS;
    this.metrics = o.metrics;
    this.release = o.release;
  }

  /** Opens the store; a witness whose durable store cannot be opened must not answer at all. */
  open(): Promise<void> {
    this.opening ??= this.store.open().catch((e: unknown) => {
      this.opening = undefined;
      throw e;
    });
    return this.opening;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()]);
    this.opening = undefined;
    await this.store.close();
    this.release?.();
  }

  /** Whether its state survives a restart (see WitnessStore.durable). */
  get durable(): boolean {
    return this.store.durable;
  }

  info(): WitnessInfo {
    return { id: this.id, publicKey: this.publicKey, toleranceMs: this.toleranceMs };
  }

  /** Called with each new piece of fork evidence, once it is stored (the plugin logs it as an alarm). */
  onFork(listener: (e: ForkEvidence) => void): () => void {
    this.forkListeners.add(listener);
    return () => this.forkListeners.delete(listener);
  }

  /**
   * Cosigns `request.checkpoint`, or throws a WitnessError naming why not.
   * The new state and cosignature are on disk before this resolves; a refusal
   * stores nothing but fork evidence.
   */
  async cosign(request: CosignRequest): Promise<Cosignature> {
    try {
      // The shape first, so garbage costs no registry read.
      checkRequest(request);
      const { checkpoint } = request;
      const registeredKey = await this.registeredKey(checkpoint.gateway, checkpoint.size - 1);
      const cosignature = await this.exclusive(checkpoint.gateway, () => this.decide(request, registeredKey));
      this.metrics?.cosignatures.inc();
      return cosignature;
    } catch (e) {
      const err = isWitnessError(e) ? e : new WitnessError('WITNESS_INTERNAL', '见证节点内部错误 / internal error of the witness', { cause: e });
      this.metrics?.refusals.inc({ code: err.code });
      throw err;
    }
  }

  latest(gateway: string): Promise<Witnessed | null> {
    return this.store.latest(gateway);
  }

  forks(options?: { gateway?: string; limit?: number }): Promise<ForkEvidence[]> {
    return this.store.forks(options);
  }

  private async decide(request: CosignRequest, registeredKey: string | null): Promise<Cosignature> {
    const state = await this.store.latest(request.checkpoint.gateway);
    const outcome = cosign(state, request, { witness: this.identity, registeredKey, now: this.clock(), toleranceMs: this.toleranceMs });
    switch (outcome.kind) {
      case 'cosigned':
        if (outcome.changed) await this.store.record(outcome.witnessed);
        return outcome.witnessed.cosignature;
      case 'fork':
        if (await this.store.addFork(outcome.evidence)) {
          this.metrics?.forks.inc();
          for (const listener of this.forkListeners) listener(outcome.evidence);
        }
        throw outcome.error;
      case 'refused':
        throw outcome.error;
    }
  }

  private async registeredKey(gateway: string, seq: number): Promise<string | null> {
    try {
      return await this.keys(gateway, seq);
    } catch (e) {
      if (isWitnessError(e)) throw e;
      throw new WitnessError('WITNESS_UNAVAILABLE', `网关登记信息暂不可读 / the gateway registry could not be read: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Runs `fn` after every earlier request of the same gateway. Without this,
   * two extensions of one cosigned checkpoint sent at once (a gateway showing
   * two histories) would each be checked against the same state and both
   * cosigned: the very fork a witness exists to refuse.
   */
  private exclusive<T>(gateway: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(gateway) ?? Promise.resolve();
    const run = before.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(gateway, tail);
    void tail.then(() => {
      if (this.queues.get(gateway) === tail) this.queues.delete(gateway);
    });
    return run;
  }
}
