/**
 * Request ids already delivered, remembered for the window in which an origin
 * hop is accepted at all (older chains are refused as expired). A replayed or
 * retried chain is therefore delivered at most once while this process runs.
 */
export class SeenRequests {
  private readonly seen = new Map<string, number>();
  private sweptAt = 0;

  constructor(private readonly windowMs: number) {}

  /** True the first time; false for an id seen within the window. */
  claim(requestId: string, now = Date.now()): boolean {
    this.sweep(now);
    const until = this.seen.get(requestId);
    if (until !== undefined && until > now) return false;
    this.seen.set(requestId, now + this.windowMs);
    return true;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < Math.min(this.windowMs, 10_000)) return;
    this.sweptAt = now;
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
  }
}
