import { decodeLeaf, type EvidenceKindName, type Leaf } from '@evidence/core';
import { inlineIntake } from '../adapters/intake-inline.js';
import type { EvidenceRecord, EvidenceStore, PendingLeaf } from '../ports/store.js';
import type { BodyShape, Intake, PrepareJob, Where } from '../ports/intake.js';
import { KeyVault } from './key-vault.js';
import { openPayload } from './open-payload.js';
import type { RecordInput } from './prepare.js';
import { unwrap } from './prepare-jobs.js';
import { itemName } from './request.js';
import { StoreStep } from './store.js';

export type { RecordInput, Subject } from './prepare.js';

export interface Recorded {
  id: string;
  leaf: Leaf;
  status: 'pending';
  /** True when an earlier request with the same idempotency key already recorded it. */
  duplicate: boolean;
}

export interface EvidenceServiceDeps {
  store: EvidenceStore;
  /** 32-byte gateway id (spec section 2), hex. */
  gatewayId: string;
  subjectKey: Uint8Array;
  masterKey: Uint8Array;
  /** Receives every durably written leaf, in acknowledgement order (the batcher). */
  onDurable: (leaves: PendingLeaf[]) => void;
  now?: () => number;
  /** Called with the kind of each newly recorded event (metrics). */
  onRecorded?: (kind: EvidenceKindName, count: number) => void;
  /** Where the intake step runs (ports/intake.ts): the threads adapter, or by default the calling thread. */
  intake?: Intake;
}

/**
 * Records evidence, one path for every caller (the HTTP routes with bodies as
 * received, in-process callers such as the remote-call plugin with parsed
 * events): the intake step (request -> validate -> pseudonymise -> commit ->
 * encrypt, evidence/prepare.ts, run by the Intake port), then store: the
 * idempotency check and one durable write, the per-record keys sealed under
 * the master key by the key vault. Resolves only after the write.
 */
export class EvidenceService {
  private readonly now: () => number;
  private readonly vault: KeyVault;
  private readonly storeStep: StoreStep;
  private readonly intake: Intake;
  /** Intake calls under way, so closing can let them finish before the workers and the store go. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: EvidenceServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.vault = new KeyVault(deps.masterKey, deps.store);
    this.storeStep = new StoreStep({ store: deps.store, vault: this.vault, onDurable: deps.onDurable, ...(deps.onRecorded ? { onRecorded: deps.onRecorded } : {}) });
    this.intake = deps.intake ?? inlineIntake({ gatewayId: deps.gatewayId, subjectKey: deps.subjectKey });
  }

  /** `where` prefixes field names in errors (the HTTP route passes "body/"). */
  async record(input: RecordInput, client: string, where = ''): Promise<Recorded> {
    return (await this.recordMany([input], client, { prefix: where, indexed: false }))[0]!;
  }

  /**
   * Records several events with one durable write. Every item is validated
   * first: one bad item refuses the whole request, naming it, and stores nothing.
   */
  recordMany(inputs: RecordInput[], client: string, where: Where = { prefix: 'items/', indexed: true }): Promise<Recorded[]> {
    return this.track(this.prepareAndStore({ inputs, client, receivedAt: this.now(), where, offset: 0 }));
  }

  /**
   * Records a request body as received, text or bytes (POST /v1/evidence, POST
   * /v1/evidence/batch): read, validated against the input schema and
   * prepared by the intake, in a worker when there is one, so the main thread
   * only writes. Bytes may move to the worker: the caller must not use them
   * afterwards. Errors name "body/..." or "body/items/<i>/...".
   */
  recordBody(body: string | Uint8Array, shape: BodyShape, client: string): Promise<Recorded[]> {
    const where: Where = shape.kind === 'bulk' ? { prefix: 'body/items/', indexed: true } : { prefix: 'body/', indexed: false };
    return this.track(this.prepareAndStore({ body, shape, client, receivedAt: this.now(), where, offset: 0 }));
  }

  /** Resolves once every intake call under way has finished (written or refused). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const done = () => this.running.delete(p);
    p.then(done, done);
    return p;
  }

  /** The one path: the intake step, then the store step. */
  private async prepareAndStore(job: PrepareJob): Promise<Recorded[]> {
    const [result] = await this.intake.prepare([job]);
    return this.storeStep.store(unwrap(result!), job.client, job.receivedAt, itemName(job.where));
  }

  /** The payload as recorded, checked against its commitment (open-payload.ts). */
  openPayload(record: EvidenceRecord): Promise<{ payload: unknown; salt: string }> {
    return openPayload(this.vault, record);
  }

  /** Right to erasure: the wrapped key, the ciphertext and the salt go; the leaf and its proof stay. */
  async erase(id: string): Promise<void> {
    await this.vault.erase(id, this.now());
  }

  leafOf(record: EvidenceRecord): Leaf {
    return decodeLeaf(record.leaf);
  }
}
