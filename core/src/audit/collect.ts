import type { Anchor, AnchoredBatch } from '../ports/anchor.js';
import type { ChainView, GatewayView, ServedBatch } from './audit.js';

/** Progress of a long audit: `done` of `total` reads. */
export type AuditProgress = (done: number, total: number) => void;

export interface CollectOptions {
  /** Reads in flight at once. Default 8. */
  concurrency?: number;
  onProgress?: AuditProgress;
}

/** The gateway's side as reads: its last closed seq, and one batch by seq (null when it has none). */
export interface GatewaySource {
  closed(): Promise<number>;
  batch(seq: number): Promise<ServedBatch | null>;
}

/**
 * Reads everything an audit compares: on chain, the latest anchored seq, every
 * anchored batch and the key registered for every seq; at the gateway, every
 * closed batch. Reads go through the Anchor port, so any adapter (EVM, Fabric)
 * serves; the caller sees one progress count over both sides.
 */
export async function collectViews(
  anchor: Pick<Anchor, 'latest' | 'batch' | 'keyAt'>,
  gateway: string,
  source: GatewaySource | null,
  options: CollectOptions = {},
): Promise<{ chain: ChainView; served: GatewayView | null }> {
  const [latest, closed] = await Promise.all([anchor.latest(gateway), source ? source.closed() : Promise.resolve(-1)]);
  const anchoredCount = latest ? latest.seq + 1 : 0;
  const seqs = Math.max(anchoredCount, closed + 1);
  const batches: (AnchoredBatch | null)[] = new Array<AnchoredBatch | null>(anchoredCount).fill(null);
  const keys: (string | null)[] = new Array<string | null>(seqs).fill(null);
  const servedBatches: (ServedBatch | null)[] = new Array<ServedBatch | null>(closed + 1).fill(null);

  const tasks: (() => Promise<void>)[] = [];
  for (let seq = 0; seq < seqs; seq++) {
    tasks.push(async () => {
      const [onChain, key, atGateway] = await Promise.all([
        seq < anchoredCount ? anchor.batch(gateway, seq) : Promise.resolve(null),
        anchor.keyAt(gateway, seq),
        source && seq <= closed ? source.batch(seq) : Promise.resolve(null),
      ]);
      if (seq < anchoredCount) batches[seq] = onChain;
      keys[seq] = key;
      if (seq <= closed) servedBatches[seq] = atGateway;
    });
  }
  await runLimited(tasks, options.concurrency ?? 8, options.onProgress);
  return {
    chain: { gateway, latest, batches, keys },
    served: source ? { closed, batches: servedBatches } : null,
  };
}

/** Runs tasks with at most `limit` in flight, reporting each completion; the first failure rejects. */
async function runLimited(tasks: (() => Promise<void>)[], limit: number, onProgress?: AuditProgress): Promise<void> {
  let next = 0;
  let done = 0;
  onProgress?.(0, tasks.length);
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
      onProgress?.(++done, tasks.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
}
