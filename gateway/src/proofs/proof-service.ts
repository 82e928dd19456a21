import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V2,
  decodeLeaf,
  LEAF_LENGTH,
  toHex,
  type AnyProofBundle,
  type BundleLog,
  type Leaf,
  type ProofBundle,
  type ProofBundleV2,
} from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { BatchLog } from '../log/batch-log.js';
import type { BatchRecord, BatchStore, CheckpointRecord, EvidenceRecord, EvidenceStore, LeafLocation, LogStore } from '../ports/store.js';
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
  store: EvidenceStore & BatchStore & LogStore;
  log: Pick<BatchLog, 'inclusionProof'>;
  /** Opens a record's payload for disclosure (EvidenceService.openPayload). */
  openPayload: (record: EvidenceRecord) => Promise<{ payload: unknown; salt: string }>;
  /** Seconds a client should wait before asking again for a pending proof. */
  retryAfterSeconds: () => number;
}

type Disclosure = { payload: unknown; salt: string } | null;

/**
 * Looks evidence up and assembles proof bundles. A batch anchored on its own
 * (data from before the batch log) keeps its version 1 bundle; every other
 * batch gets a version 2 bundle naming the first anchored checkpoint that
 * includes it, so a bundle, once issued, never changes (spec sections 8, 12).
 */
export class ProofService {
  private readonly trees = new TreeCache();

  constructor(private readonly o: ProofServiceOptions) {}

  async view(id: string): Promise<EvidenceView> {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new GatewayError('EVIDENCE_NOT_FOUND', `no evidence ${JSON.stringify(id)}: ids are 32 lowercase hex digits`);
    const record = await this.o.store.getRecord(id);
    if (!record) throw new GatewayError('EVIDENCE_NOT_FOUND', `no evidence ${id}`);
    const location = await this.o.store.location(id);
    const batch = location ? await this.o.store.getBatch(location.seq) : null;
    const status: EvidenceStatus = !batch ? 'pending' : (await this.isAnchored(batch)) ? 'anchored' : 'batched';
    return { record, leaf: decodeLeaf(record.leaf), status, location, batch };
  }

  /**
   * The bundle of an anchored record; PROOF_PENDING (with Retry-After) before
   * that. With `pending`, a batched record gets the version 2 bundle of the
   * latest signed checkpoint with `anchor: null` instead.
   */
  async bundle(id: string, disclose: boolean, options: { pending?: boolean } = {}): Promise<AnyProofBundle> {
    const v = await this.view(id);
    if (v.batch && v.location) {
      const checkpoint = await this.checkpointFor(v.batch, options.pending === true);
      if (v.batch.anchored || checkpoint) {
        const disclosure = disclose ? await this.o.openPayload(v.record) : null;
        const [bundle] = await this.bundlesOf(v.batch, [v.location.index], disclosure, checkpoint);
        return bundle!;
      }
    }
    const after = String(this.o.retryAfterSeconds());
    throw new GatewayError('PROOF_PENDING', `evidence ${id} is ${v.status}; its proof exists once a checkpoint that includes its batch is anchored (?pending=true for the signed checkpoint)`, {
      headers: { 'retry-after': after },
    });
  }

  /**
   * Bundles for leaves of an anchored batch, the log proof read once for all
   * of them: version 1 for a batch anchored on its own, else version 2 with
   * the first anchored checkpoint that includes it.
   */
  async anchoredBundles(batch: BatchRecord, indices: readonly number[], disclosure: (index: number) => Promise<Disclosure> = () => Promise.resolve(null)): Promise<AnyProofBundle[]> {
    const checkpoint = batch.anchored ? null : await this.o.store.anchoredCheckpointCovering(batch.header.seq);
    if (!batch.anchored && !checkpoint) throw new GatewayError('PROOF_PENDING', `batch ${batch.header.seq} is not anchored yet`);
    const log = checkpoint ? await this.logPart(batch, checkpoint) : null;
    const out: AnyProofBundle[] = [];
    for (const index of indices) out.push(this.assemble(batch, index, await disclosure(index), log, checkpoint));
    return out;
  }

  /** Whether the batch is anchored: on its own (version 1 data) or by an anchored checkpoint. */
  async isAnchored(batch: BatchRecord): Promise<boolean> {
    return batch.anchored || (await this.o.store.anchoredHead()) >= batch.header.seq;
  }

  private async bundlesOf(batch: BatchRecord, indices: number[], disclosure: Disclosure, checkpoint: CheckpointRecord | null): Promise<AnyProofBundle[]> {
    const log = checkpoint && !batch.anchored ? await this.logPart(batch, checkpoint) : null;
    return indices.map((i) => this.assemble(batch, i, disclosure, log, checkpoint));
  }

  /** The checkpoint a bundle of this batch names: the first anchored one including it, or with `pending` the latest signed. */
  private async checkpointFor(batch: BatchRecord, pending: boolean): Promise<CheckpointRecord | null> {
    if (batch.anchored) return null;
    const anchored = await this.o.store.anchoredCheckpointCovering(batch.header.seq);
    if (anchored || !pending) return anchored;
    const latest = await this.o.store.latestCheckpoint();
    return latest && latest.checkpoint.size > batch.header.seq ? latest : null;
  }

  private async logPart(batch: BatchRecord, record: CheckpointRecord): Promise<BundleLog> {
    const size = record.checkpoint.size;
    return {
      checkpoint: record.checkpoint,
      signature: { alg: 'sm2', publicKey: record.publicKey, value: record.signature },
      inclusion: { index: batch.header.seq, size, path: await this.o.log.inclusionProof(batch.header.seq, size) },
      cosignatures: record.cosignatures,
    };
  }

  private assemble(batch: BatchRecord, index: number, disclosure: Disclosure, log: BundleLog | null, checkpoint: CheckpointRecord | null): AnyProofBundle {
    const tree = this.trees.get(batch);
    const v1: ProofBundle = {
      format: BUNDLE_FORMAT,
      leaf: decodeLeaf(batch.leaves.subarray(index * LEAF_LENGTH, (index + 1) * LEAF_LENGTH)),
      disclosure,
      inclusion: { index, size: batch.header.size, path: tree.proof(index).map(toHex) },
      batch: batch.header,
      signature: { alg: 'sm2', publicKey: batch.publicKey, value: batch.signature },
      anchor: batch.anchor,
    };
    if (!log) return v1;
    const v2: ProofBundleV2 = { ...v1, format: BUNDLE_FORMAT_V2, log, anchor: checkpoint?.anchor ?? null };
    return v2;
  }
}
