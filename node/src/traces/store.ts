import type { Hop, TraceNode } from '@evidence/core';
import type { ErrorBody } from '../errors.js';
import type { ForwardedRequest } from '../forward/chain.js';
import type { Sealed } from '../forward/protocol.js';
import type { CodeSource, KeyRing } from '../keys/key-source.js';

/** Why a receiver refused a chain, kept with the chain as received: the evidence of a dispute. */
export interface Refusal extends ErrorBody {
  at: number;
  /** The request as received when it came in clear, so a verifier can recompute its digest. */
  request?: ForwardedRequest;
  /** The envelope as received when it came sealed: a routing node keeps nothing it could not read. */
  sealed?: Sealed;
}

export interface StoredTrace {
  hops: readonly Hop[];
  refusal?: Refusal;
  /** The checks this device made before adding its hop (forward/checks.ts), when it forwarded the request. */
  checks?: readonly string[];
}

/**
 * Recent traces by request id, bounded (oldest evicted first): complete
 * traces this node or gateway took part in, and chains it refused. The
 * durable copy of a complete trace is the hop-trace evidence both gateways
 * record; this store serves GET /v1/traces/:requestId for recent requests.
 */
export class TraceStore {
  private readonly traces = new Map<string, StoredTrace>();

  constructor(private readonly capacity = 10_000) {}

  put(requestId: string, hops: readonly Hop[], checks?: readonly string[]): void {
    this.set(requestId, checks ? { hops, checks } : { hops });
  }

  /**
   * Keeps a refused chain. The request id is the sender's claim, so a refusal
   * never overwrites a trace already stored under that id.
   */
  refuse(requestId: string, hops: readonly Hop[], refusal: Refusal): void {
    if (!this.traces.has(requestId)) this.set(requestId, { hops, refusal });
  }

  get(requestId: string): StoredTrace | undefined {
    return this.traces.get(requestId);
  }

  get size(): number {
    return this.traces.size;
  }

  private set(requestId: string, entry: StoredTrace): void {
    this.traces.delete(requestId);
    this.traces.set(requestId, entry);
    if (this.traces.size > this.capacity) {
      const oldest = this.traces.keys().next().value;
      if (oldest !== undefined) this.traces.delete(oldest);
    }
  }
}

/**
 * A trace document `{ hops, nodes }` in the shape of the vectors' `trace`, as
 * `evidence verify-trace` reads it; a refused chain also carries `refusal`.
 */
export interface TraceDocument {
  hops: Hop[];
  nodes: TraceNode[];
  refusal?: Refusal;
  /** What the device serving the document checked of the request (not signed; see forward/checks.ts). */
  checks?: string[];
}

/** Names every signer of the trace with its registered key (and code when known). */
export async function traceDocument(entry: StoredTrace, keys: KeyRing, codes?: CodeSource): Promise<TraceDocument> {
  const nodes: TraceNode[] = [];
  for (const id of new Set(entry.hops.map((h) => h.node))) {
    const publicKey = await keys.publicKey(id);
    if (publicKey === undefined) continue; // the verifier will report "unknown node"
    const code = await codes?.(id);
    nodes.push(code === undefined ? { id, publicKey } : { code, id, publicKey });
  }
  const doc: TraceDocument = { hops: [...entry.hops], nodes };
  if (entry.refusal) doc.refusal = entry.refusal;
  if (entry.checks) doc.checks = [...entry.checks];
  return doc;
}
