import type { NonceStore } from '../ports/store.js';

/**
 * Remembers the nonces of signed requests for as long as their timestamp is
 * inside the window, in memory and in the store, so a captured request cannot
 * be replayed either now, after the gateway restarts, or to another instance
 * sharing the store: the store's claim is the atomic check (a unique insert on
 * PostgreSQL); memory only refuses this instance's own replays without a read.
 */
export class NonceGuard {
  private readonly seen = new Map<string, number>();
  private sweeps = 0;

  constructor(
    private readonly store: NonceStore,
    private readonly windowMs: number,
  ) {}

  async load(now = Date.now()): Promise<void> {
    for (const n of await this.store.liveNonces(now)) this.seen.set(n.key, n.expiresAt);
  }

  /** Claims the nonce; false when it was seen before. Resolves once the claim is durable. */
  async claim(key: string, ts: number, now = Date.now()): Promise<boolean> {
    if (++this.sweeps % 1024 === 0) this.sweep(now);
    const existing = this.seen.get(key);
    if (existing !== undefined && existing > now) return false;
    const expiresAt = Math.max(ts, now) + this.windowMs;
    this.seen.set(key, expiresAt);
    try {
      return await this.store.claimNonce({ key, expiresAt }, now);
    } catch (e) {
      // Not recorded (the store is down): the client may send the same request again.
      this.seen.delete(key);
      throw e;
    }
  }

  private sweep(now: number): void {
    for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
  }
}
