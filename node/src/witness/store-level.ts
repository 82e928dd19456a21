import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { byDetection, forkKey, type WitnessStore } from './store.js';
import type { ForkEvidence, Witnessed } from './types.js';

type Op = { type: 'put'; key: string; value: string };

interface Waiter {
  ops: Op[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The durable adapter: one LevelDB in the witness's data folder.
 *   c!<gateway>          the last cosigned checkpoint, with both signatures (JSON)
 *   f!<gateway>!<key>    fork evidence, key = forkKey (JSON)
 * Every write is synced (fsync) before it resolves, so an answer the witness
 * gave is never lost by a crash. Writes that arrive while one is in flight go
 * together into the next synced batch (group commit): a witness serving many
 * gateways pays one fsync per group, and each caller still resolves only once
 * its own write is on disk.
 */
export class LevelWitnessStore implements WitnessStore {
  readonly durable = true;
  private db: ClassicLevel<string, string> | undefined;
  private waiting: Waiter[] = [];
  private writing = false;
  /** Fork evidence being written, so one pair sent twice at once is kept (and counted) once. */
  private readonly addingForks = new Map<string, Promise<boolean>>();
  /** Synced batches written, for tests and the benchmark. */
  writes = 0;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    if (this.db) return;
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    const db = new ClassicLevel<string, string>(this.path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    this.db = db;
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    while (this.writing || this.waiting.length > 0) await new Promise((r) => setImmediate(r));
    this.db = undefined;
    await db.close();
  }

  async latest(gateway: string): Promise<Witnessed | null> {
    const v = await this.opened().get(`c!${gateway}`);
    return v === undefined ? null : (JSON.parse(v) as Witnessed);
  }

  record(witnessed: Witnessed): Promise<void> {
    return this.write([{ type: 'put', key: `c!${witnessed.checkpoint.gateway}`, value: JSON.stringify(witnessed) }]);
  }

  addFork(evidence: ForkEvidence): Promise<boolean> {
    const key = `f!${evidence.gateway}!${forkKey(evidence)}`;
    const pending = this.addingForks.get(key);
    if (pending) return pending.then(() => false);
    const adding = (async () => {
      if ((await this.opened().get(key)) !== undefined) return false;
      await this.write([{ type: 'put', key, value: JSON.stringify(evidence) }]);
      return true;
    })().finally(() => this.addingForks.delete(key));
    this.addingForks.set(key, adding);
    return adding;
  }

  async forks(options: { gateway?: string; limit?: number } = {}): Promise<ForkEvidence[]> {
    const prefix = options.gateway === undefined ? 'f!' : `f!${options.gateway}!`;
    const all: { key: string; e: ForkEvidence }[] = [];
    // '"' follows '!' in ASCII: the range is every key that starts with the prefix.
    for await (const [key, value] of this.opened().iterator({ gte: prefix, lt: `${prefix.slice(0, -1)}"` })) {
      all.push({ key: key.slice(key.lastIndexOf('!') + 1), e: JSON.parse(value) as ForkEvidence });
    }
    return all
      .sort(byDetection)
      .slice(0, options.limit ?? Infinity)
      .map(({ e }) => e);
  }

  private opened(): ClassicLevel<string, string> {
    if (!this.db) throw new Error(`the witness store ${this.path} is not open`);
    return this.db;
  }

  private write(ops: Op[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        this.opened();
      } catch (e) {
        reject(e);
        return;
      }
      this.waiting.push({ ops, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.waiting.length === 0) return;
    const db = this.db;
    const group = this.waiting;
    this.waiting = [];
    if (!db) {
      for (const w of group) w.reject(new Error(`the witness store ${this.path} is closed`));
      return;
    }
    this.writing = true;
    const ops = group.flatMap((w) => w.ops);
    db.batch(ops, { sync: true }).then(
      () => {
        this.writes++;
        for (const w of group) w.resolve();
      },
      (e: unknown) => {
        for (const w of group) w.reject(e);
      },
    ).finally(() => {
      this.writing = false;
      this.flush();
    });
  }
}
