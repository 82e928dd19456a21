import { decodeLeaf, equalBytes, fromHex, sm3, sm4, toHex, type EvidenceKindName, type Leaf } from '@evidence/core';
import { GatewayError } from '../errors.js';
import { IdempotencyKeyTaken, type EvidenceRecord, type EvidenceStore, type PendingLeaf } from '../ports/store.js';
import { inlineIntake } from '../adapters/intake-inline.js';
import type { BodyShape, Intake, PrepareJob, Where } from '../ports/intake.js';
import { KeyVault } from './key-vault.js';
import type { Prepared, RecordInput } from './prepare.js';
import { unwrap } from './prepare-jobs.js';
import { itemName } from './request.js';

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
  /** Idempotency keys whose first request is still being written. */
  private readonly inflight = new Map<string, Promise<Settled>>();

  private readonly vault: KeyVault;
  private readonly intake: Intake;
  /** Intake calls under way, so closing can let them finish before the workers and the store go. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: EvidenceServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.vault = new KeyVault(deps.masterKey, deps.store);
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
    return this.storeOnce(unwrap(result!), job.client, job.receivedAt, itemName(job.where));
  }

  /**
   * store(), again when another instance sharing the store took one of the
   * write's idempotency keys between our look-up and our write (the store then
   * stored nothing of it): the look-up now finds that instance's record and
   * answers as a duplicate. Requests written in the same group are written again.
   */
  private async storeOnce(prepared: Prepared[], client: string, receivedAt: number, name: (i: number) => string): Promise<Recorded[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store(prepared, client, receivedAt, name);
      } catch (e) {
        if (!(e instanceof IdempotencyKeyTaken) || attempt >= 3) throw e;
      }
    }
  }

  /** Idempotency, then one durable write of everything new; resolves in item order. */
  private async store(prepared: Prepared[], client: string, receivedAt: number, name: (i: number) => string): Promise<Recorded[]> {
    if (prepared.every((p) => p.idemDigest === undefined)) {
      // No idempotency keys (the common case): nothing to look up or claim.
      await this.write(prepared, receivedAt);
      return prepared.map((p) => ({ id: p.record.id, leaf: p.leaf, status: 'pending', duplicate: false }));
    }
    // Repeats of a key inside this request: same content is one event, other content a conflict.
    const aliasOf = new Map<number, number>();
    const firstBySlot = new Map<string, number>();
    prepared.forEach((p, i) => {
      if (p.idemDigest === undefined) return;
      const slot = slotOf(client, p);
      const first = firstBySlot.get(slot);
      if (first === undefined) return void firstBySlot.set(slot, i);
      if (prepared[first]!.idemDigest !== p.idemDigest) throw conflict(p.record.idempotencyKey!, name(i));
      aliasOf.set(i, first);
    });

    // Synchronously, before any await: claim each key, or wait on the request holding it.
    const results: (Recorded | Promise<Recorded> | undefined)[] = new Array(prepared.length);
    const claimed: { slot: string; index: number; settle: Deferred<Settled> }[] = [];
    for (const [slot, i] of firstBySlot) {
      const holder = this.inflight.get(slot);
      if (holder) {
        results[i] = holder.then((s) => duplicateOf(s, prepared[i]!, name(i)));
        continue;
      }
      const settle = deferred<Settled>();
      settle.promise.catch(() => undefined);
      this.inflight.set(slot, settle.promise);
      claimed.push({ slot, index: i, settle });
    }

    try {
      const fresh = prepared.flatMap((p, i) => (p.idemDigest === undefined ? [i] : []));
      for (const c of claimed) {
        const p = prepared[c.index]!;
        const entry = await this.deps.store.findIdempotent(client, p.record.idempotencyKey!);
        const record = entry ? await this.deps.store.getRecord(entry.id) : null;
        if (entry && record) {
          const settled: Settled = { recorded: { id: entry.id, leaf: decodeLeaf(record.leaf), status: 'pending', duplicate: true }, digest: entry.digest };
          c.settle.resolve(settled);
          results[c.index] = duplicateOf(settled, p, name(c.index));
        } else {
          fresh.push(c.index);
        }
      }
      fresh.sort((a, b) => a - b);
      if (fresh.length > 0) await this.write(fresh.map((i) => prepared[i]!), receivedAt);
      for (const i of fresh) results[i] = { id: prepared[i]!.record.id, leaf: prepared[i]!.leaf, status: 'pending', duplicate: false };
      for (const c of claimed) c.settle.resolve({ recorded: { ...(results[c.index] as Recorded), duplicate: true }, digest: prepared[c.index]!.idemDigest! });
    } catch (e) {
      for (const c of claimed) c.settle.reject(e);
      throw e;
    } finally {
      for (const c of claimed) this.inflight.delete(c.slot);
    }

    const out = await Promise.all(prepared.map((_, i) => (aliasOf.has(i) ? undefined : results[i])));
    return out.map((r, i) => r ?? { ...out[aliasOf.get(i)!]!, duplicate: true });
  }

  private async write(items: Prepared[], receivedAt: number): Promise<void> {
    await this.vault.write(items.map((p) => ({ record: p.record, dataKey: p.dataKey })));
    this.deps.onDurable(items.map((p) => ({ id: p.record.id, leaf: p.record.leaf, receivedAt })));
    const byKind = new Map<EvidenceKindName, number>();
    for (const p of items) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
    for (const [kind, count] of byKind) this.deps.onRecorded?.(kind, count);
  }

  /**
   * Decrypts a record's payload; PAYLOAD_ERASED after erasure. The decrypted
   * bytes must match the leaf's commitment (the anchored integrity check of the
   * payload cipher): anything altered on disk is PAYLOAD_CORRUPT, never served.
   */
  async openPayload(record: EvidenceRecord): Promise<{ payload: unknown; salt: string }> {
    const dataKey = await this.vault.dataKey(record.id, record.keyRef);
    if (!record.sealedPayload || !record.salt) {
      throw new GatewayError('PAYLOAD_ERASED', `the payload of ${record.id} was erased; only its commitment remains`);
    }
    const plain =
      record.sealedPayload[0] === sm4.PAYLOAD_VERSION
        ? sm4.decryptPayload(record.sealedPayload, dataKey)
        : // Records written before the payload cipher: an authenticated envelope bound to the record id.
          sm4.open(record.sealedPayload, dataKey, fromHex(record.id, 16));
    if (!equalBytes(sm3(record.salt, plain), fromHex(decodeLeaf(record.leaf).commitment, 32))) {
      throw new GatewayError('PAYLOAD_CORRUPT', `the stored payload of ${record.id} does not match its commitment`);
    }
    return { payload: JSON.parse(Buffer.from(plain).toString('utf8')) as unknown, salt: toHex(record.salt) };
  }

  /** Right to erasure: the wrapped key, the ciphertext and the salt go; the leaf and its proof stay. */
  async erase(id: string): Promise<void> {
    await this.vault.erase(id, this.now());
  }

  leafOf(record: EvidenceRecord): Leaf {
    return decodeLeaf(record.leaf);
  }
}

const slotOf = (client: string, p: Prepared): string => `${client}\u0000${p.record.idempotencyKey}`;

function conflict(key: string, where: string): GatewayError {
  return new GatewayError('IDEMPOTENCY_CONFLICT', `${where}idempotencyKey "${key}" was already used for a different event`);
}

/** The outcome of the request holding an idempotency key: what it recorded, and its content digest. */
interface Settled {
  recorded: Recorded;
  digest: string;
}

function duplicateOf(s: Settled, p: Prepared, where: string): Recorded {
  if (s.digest !== p.idemDigest) throw conflict(p.record.idempotencyKey!, where);
  return { ...s.recorded, duplicate: true };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
