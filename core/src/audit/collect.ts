import type { Anchor, AnchoredBatch, AnchoredCheckpoint } from '../ports/anchor.js';
import type { ChainView, GatewayView } from './audit.js';
import type { GatewaySource } from './run.js';
import type { AuditProgress, ServedBatch } from './types.js';

export interface CollectOptions {
  /** Reads in flight at once. Default 8. */
  concurrency?: number;
  onProgress?: AuditProgress;
}

/**
 * Reads a whole history into memory views for auditGateway: on chain, the
 * latest seq anchored one by one, every such batch, the key registered for
 * every seq and the anchored checkpoints; at the gateway, every closed batch.
 * One chain read per seq: for small histories and tests. `evidence audit` and
 * GET /v1/audit use runAudit, which streams and reads the chain per checkpoint.
 */
export async function collectViews(
  anchor: Pick<Anchor, 'latest' | 'batch' | 'keyAt' | 'checkpoints'>,
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
    chain: { gateway, latest, batches, keys, checkpoints: await allCheckpoints(anchor, gateway) },
    served: source ? { closed, batches: servedBatches } : null,
  };
}

async function allCheckpoints(anchor: Pick<Anchor, 'checkpoints'>, gateway: string): Promise<AnchoredCheckpoint[]> {
  const out: AnchoredCheckpoint[] = [];
  for (;;) {
    const page = await anchor.checkpoints(gateway, out.length, 256);
    out.push(...page);
    if (page.length < 256) return out;
  }
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
