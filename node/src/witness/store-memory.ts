import { byDetection, forkKey, type WitnessStore } from './store.js';
import type { ForkEvidence, Witnessed } from './types.js';

/**
 * The in-memory adapter: for unit tests and in-process networks. It forgets
 * everything when the process ends, so a witness using it can be made to
 * cosign a fork after a restart; a deployed witness has a data folder and
 * uses LevelWitnessStore. Values are copied in and out, as a durable store's
 * would be, so a caller can never change what is kept.
 */
export class MemoryWitnessStore implements WitnessStore {
  readonly durable = false;
  private readonly state = new Map<string, Witnessed>();
  private readonly forkMap = new Map<string, ForkEvidence>();
  private closed = false;

  async open(): Promise<void> {
    this.closed = false;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async latest(gateway: string): Promise<Witnessed | null> {
    this.assertOpen();
    const w = this.state.get(gateway);
    return w ? structuredClone(w) : null;
  }

  async record(witnessed: Witnessed): Promise<void> {
    this.assertOpen();
    this.state.set(witnessed.checkpoint.gateway, structuredClone(witnessed));
  }

  async addFork(evidence: ForkEvidence): Promise<boolean> {
    this.assertOpen();
    const key = forkKey(evidence);
    if (this.forkMap.has(key)) return false;
    this.forkMap.set(key, structuredClone(evidence));
    return true;
  }

  async forks(options: { gateway?: string; limit?: number } = {}): Promise<ForkEvidence[]> {
    this.assertOpen();
    const all = [...this.forkMap].map(([key, e]) => ({ key, e })).filter(({ e }) => options.gateway === undefined || e.gateway === options.gateway);
    return all
      .sort(byDetection)
      .slice(0, options.limit ?? Infinity)
      .map(({ e }) => structuredClone(e));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the witness store is closed');
  }
}
