import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  /** Leaves acknowledged but not yet in a batch. */
  pendingLeaves: () => number;
  /** Jobs waiting, delayed or running in a queue. */
  queueDepth: (queue: string) => Promise<number>;
  queues: readonly string[];
  /** Last closed seq and last seq anchored with all its predecessors. */
  heads: () => Promise<{ closed: number; anchored: number }>;
  /** Synced LevelDB writes and operations they carried (group commit). */
  storeStats: () => { writes: number; operations: number };
}

/**
 * Prometheus metrics of one gateway, in a registry of its own (several
 * gateways may live in one process in tests and in `npm start`).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly recorded: Counter<'kind'>;
  readonly rejected: Counter<'code'>;
  readonly batchSize: Histogram;
  readonly batchesClosed: Counter;
  readonly batchesAnchored: Counter;
  readonly checkpointsSigned: Counter;
  readonly checkpointsAnchored: Counter;
  readonly ackToAnchored: Histogram;
  readonly deliveries: Counter<'outcome'>;
  readonly witnessCosignatures: Counter<'witness'>;
  readonly witnessFailures: Counter<'witness' | 'code'>;

  constructor(labels: { gateway: string }, sources: MetricsSources) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.recorded = new Counter({ name: 'evidence_recorded_total', help: 'Evidence events durably recorded, by kind', labelNames: ['kind'], registers });
    this.rejected = new Counter({ name: 'evidence_http_errors_total', help: 'Requests refused or failed, by error code', labelNames: ['code'], registers });
    this.batchSize = new Histogram({
      name: 'evidence_batch_size',
      help: 'Leaves per closed batch',
      buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536],
      registers,
    });
    this.batchesClosed = new Counter({ name: 'evidence_batches_closed_total', help: 'Batches closed and signed', registers });
    this.batchesAnchored = new Counter({ name: 'evidence_batches_anchored_total', help: 'Batches recorded as anchored', registers });
    this.checkpointsSigned = new Counter({ name: 'evidence_checkpoints_signed_total', help: 'Checkpoints of the batch log signed', registers });
    this.checkpointsAnchored = new Counter({ name: 'evidence_checkpoints_anchored_total', help: 'Checkpoints recorded as anchored (one chain transaction each)', registers });
    this.ackToAnchored = new Histogram({
      name: 'evidence_anchoring_lag_seconds',
      help: 'From the acknowledgement of the oldest leaf of a batch to the batch being anchored',
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 1800],
      registers,
    });
    this.deliveries = new Counter({ name: 'evidence_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome', labelNames: ['outcome'], registers });
    // Labelled by configured witness id and by codes from a fixed list (witnessing/port.ts): never by what a witness sends.
    this.witnessCosignatures = new Counter({
      name: 'evidence_witness_cosignatures_total',
      help: 'Valid cosignatures received, by witness id',
      labelNames: ['witness'],
      registers,
    });
    this.witnessFailures = new Counter({
      name: 'evidence_witness_failures_total',
      help: 'Cosignature requests that brought none (refusals by their code, timeouts, unreachable, bad answers), by witness id and code',
      labelNames: ['witness', 'code'],
      registers,
    });
    new Gauge({
      name: 'evidence_pending_leaves',
      help: 'Leaves acknowledged and waiting for a batch',
      registers,
      collect() {
        this.set(sources.pendingLeaves());
      },
    });
    new Gauge({
      name: 'evidence_queue_depth',
      help: 'Jobs waiting, delayed or running, by queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        for (const q of sources.queues) this.set({ queue: q }, await sources.queueDepth(q).catch(() => -1));
      },
    });
    new Gauge({
      name: 'evidence_anchoring_lag_batches',
      help: 'Closed batches not yet anchored (closed seq minus anchored seq)',
      registers,
      async collect() {
        const h = await sources.heads();
        this.set(h.closed - h.anchored);
      },
    });
    new Gauge({
      name: 'evidence_store_synced_writes',
      help: 'Synced LevelDB writes issued (each is one fsync; group commit merges concurrent requests)',
      registers,
      collect() {
        this.set(sources.storeStats().writes);
      },
    });
  }
}
