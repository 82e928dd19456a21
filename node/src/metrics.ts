import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one routing node. Each node owns its registry, so
 * several nodes in one process (tests, the demo network) do not mix figures.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly forwarded: Counter<'outcome'>;
  readonly forwardSeconds: Histogram<'outcome'>;
  /** Checks made of forwarded requests (forward/checks.ts), and requests refused by them. */
  readonly checks: Counter<'check'>;
  readonly peerMessages: Counter<'kind' | 'outcome'>;
  readonly routes: Gauge;
  readonly neighboursUp: Gauge;
  /** The witness mounted in the node (node/src/witness). */
  readonly witness: WitnessMetrics;

  constructor(labels: { node: string }, sources: { routes: () => number; neighboursUp: () => number }, defaults = false) {
    this.registry.setDefaultLabels(labels);
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.forwarded = new Counter({
      name: 'evidence_node_forwarded_total',
      help: 'Requests handled on the forwarding path, by outcome (ok or an error code)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.forwardSeconds = new Histogram({
      name: 'evidence_node_forward_seconds',
      help: 'Time from receiving a request to answering it, including every later hop',
      labelNames: ['outcome'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.checks = new Counter({
      name: 'evidence_node_checks_total',
      help: 'Checks made of forwarded requests by name (a sealed request: envelope instead of requestDigest), and refused ones',
      labelNames: ['check'],
      registers: [this.registry],
    });
    this.peerMessages = new Counter({
      name: 'evidence_node_peer_messages_total',
      help: 'Route updates and publications received, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [this.registry],
    });
    this.routes = new Gauge({
      name: 'evidence_node_routes',
      help: 'Destinations (institution/service) with a route',
      registers: [this.registry],
      collect() {
        this.set(sources.routes());
      },
    });
    this.neighboursUp = new Gauge({
      name: 'evidence_node_neighbours_up',
      help: 'Neighbours whose last update was accepted',
      registers: [this.registry],
      collect() {
        this.set(sources.neighboursUp());
      },
    });
    this.witness = new WitnessMetrics(this.registry);
  }
}

/**
 * Counters of a witness, in the registry of the routing node that hosts it or
 * of a standalone witness. `evidence_witness_forks_total` counts distinct
 * pieces of fork evidence (a pair sent again is not counted twice) and is
 * exported from the start, so an alert on its increase needs no other series.
 */
export class WitnessMetrics {
  readonly cosignatures: Counter;
  readonly refusals: Counter<'code'>;
  readonly forks: Counter;

  constructor(registry: Registry) {
    this.cosignatures = new Counter({
      name: 'evidence_witness_cosignatures_total',
      help: 'Checkpoints cosigned (a retry answered again included)',
      registers: [registry],
    });
    this.refusals = new Counter({
      name: 'evidence_witness_refusals_total',
      help: 'Cosign requests refused, by code (WITNESS_FORK included)',
      labelNames: ['code'],
      registers: [registry],
    });
    this.forks = new Counter({
      name: 'evidence_witness_forks_total',
      help: 'Forks found: pairs of gateway-signed checkpoints kept as evidence',
      registers: [registry],
    });
  }
}
