import { BUNDLE_FORMAT, decodeLeaf, LEAF_LENGTH, toHex, type Leaf, type ProofBundle } from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { BatchRecord, BatchStore, EvidenceRecord, EvidenceStore, LeafLocation } from '../ports/store.js';
import { TreeCache } from './tree-cache.js';

export type EvidenceStatus = 'pending' | 'batched' | 'anchored';

export interface EvidenceView {
  record: EvidenceRecord;
  leaf: Leaf;
  status: EvidenceStatus;
  location: LeafLocation | null;
  batch: BatchRecord | null;
}

export interface ProofServiceOptions {
  store: EvidenceStore & BatchStore;
  /** Opens a record's payload for disclosure (EvidenceService.openPayload). */
  openPayload: (record: EvidenceRecord) => Promise<{ payload: unknown; salt: string }>;
  /** Seconds a client should wait before asking again for a pending proof. */
  retryAfterSeconds: () => number;
}

/** Looks evidence up and assembles proof bundles of spec section 8. */
export class ProofService {
  private readonly trees = new TreeCache();

  constructor(private readonly o: ProofServiceOptions) {}

  async view(id: string): Promise<EvidenceView> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new GatewayError('EVIDENCE_NOT_FOUND', `no evidence ${JSON.stringify(id)}: ids are 32 lowercase hex digits`);
    const record = await this.o.store.getRecord(id);
    if (!record) throw new GatewayError('EVIDENCE_NOT_FOUND', `no evidence ${id}`);
    const location = await this.o.store.location(id);
    const batch = location ? await this.o.store.getBatch(location.seq) : null;
    const status: EvidenceStatus = !batch ? 'pending' : batch.anchored ? 'anchored' : 'batched';
    return { record, leaf: decodeLeaf(record.leaf), status, location, batch };
  }

  /** The bundle of an anchored record; PROOF_PENDING (with Retry-After) before that. */
  async bundle(id: string, disclose: boolean): Promise<ProofBundle> {
    const v = await this.view(id);
    if (v.status !== 'anchored' || !v.batch || !v.location) {
      const after = String(this.o.retryAfterSeconds());
      throw new GatewayError('PROOF_PENDING', `evidence ${id} is ${v.status}; its proof exists once its batch is anchored`, {
        headers: { 'retry-after': after },
      });
    }
    return this.fromBatch(v.batch, v.location.index, disclose ? await this.o.openPayload(v.record) : null);
  }

  /** A bundle for leaf `index` of a closed batch (anchored or not: the caller decides). */
  fromBatch(batch: BatchRecord, index: number, disclosure: { payload: unknown; salt: string } | null): ProofBundle {
    const tree = this.trees.get(batch);
    const leaf = decodeLeaf(batch.leaves.subarray(index * LEAF_LENGTH, (index + 1) * LEAF_LENGTH));
    return {
      format: BUNDLE_FORMAT,
      leaf,
      disclosure,
      inclusion: { index, size: batch.header.size, path: tree.proof(index).map(toHex) },
      batch: batch.header,
      signature: { alg: 'sm2', publicKey: batch.publicKey, value: batch.signature },
      anchor: batch.anchor,
    };
  }
}
