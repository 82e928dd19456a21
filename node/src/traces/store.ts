import type { Hop, TraceNode } from '@evidence/core';
import type { CodeSource, KeyRing } from '../keys/key-source.js';

/**
 * Recent complete traces by request id, bounded (oldest evicted first). The
 * durable copy of a trace is the hop-trace evidence both gateways record; this
 * store only serves GET /v1/traces/:requestId for requests seen recently.
 */
export class TraceStore {
  private readonly traces = new Map<string, readonly Hop[]>();

  constructor(private readonly capacity = 10_000) {}

  put(requestId: string, hops: readonly Hop[]): void {
    this.traces.delete(requestId);
    this.traces.set(requestId, hops);
    if (this.traces.size > this.capacity) {
      const oldest = this.traces.keys().next().value;
      if (oldest !== undefined) this.traces.delete(oldest);
    }
  }

  get(requestId: string): readonly Hop[] | undefined {
    return this.traces.get(requestId);
  }

  get size(): number {
    return this.traces.size;
  }
}

/** A trace document `{ hops, nodes }` in the shape of the vectors' `trace`, as `evidence verify-trace` reads it. */
export interface TraceDocument {
  hops: Hop[];
  nodes: TraceNode[];
}

/** Names every signer of the trace with its registered key (and code when known). */
export async function traceDocument(hops: readonly Hop[], keys: KeyRing, codes?: CodeSource): Promise<TraceDocument> {
  const nodes: TraceNode[] = [];
  for (const id of new Set(hops.map((h) => h.node))) {
    const publicKey = await keys.publicKey(id);
    if (publicKey === undefined) continue; // the verifier will report "unknown node"
    const code = await codes?.(id);
    nodes.push(code === undefined ? { id, publicKey } : { code, id, publicKey });
  }
  return { hops: [...hops], nodes };
}
