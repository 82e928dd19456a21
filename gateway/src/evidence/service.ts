import { randomBytes } from 'node:crypto';
import {
  decodeLeaf,
  encodeLeaf,
  fromHex,
  isKnownKind,
  jcs,
  kindCode,
  kindName,
  sm3,
  sm4,
  subjectPseudonym,
  toHex,
  uuidv7,
  type EvidenceKindName,
  type Leaf,
} from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { EvidenceRecord, EvidenceStore, NewRecord, PendingLeaf } from '../ports/store.js';
import { KeyVault } from './key-vault.js';
import { assertPayload } from './kinds/index.js';

export type Subject = { idNumber: string } | { pseudonym: string };

/** What a hospital system hands the gateway for one event. */
export interface RecordInput {
  kind: string;
  subject: Subject;
  payload: unknown;
  /** When the event happened (ms); defaults to the moment the gateway receives it. */
  occurredAt?: number;
  /** Retrying with the same key returns the first record instead of recording twice. */
  idempotencyKey?: string;
}

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
}

interface Prepared {
  record: NewRecord;
  dataKey: Uint8Array;
  kind: EvidenceKindName;
  leaf: Leaf;
  idemDigest?: string;
}

/**
 * Records evidence: validates it, pseudonymises the subject, commits to the
 * payload (spec section 4), seals the payload under a fresh per-record SM4 key
 * (kept sealed under the master key by the key vault), and resolves only
 * after the record is durably written. The HTTP routes and in-process callers (the remote-call plugin
 * recording hop traces) both go through here.
 */
export class EvidenceService {
  private readonly now: () => number;
  /** Idempotency keys whose first request is still being written. */
  private readonly inflight = new Map<string, Promise<Settled>>();

  private readonly vault: KeyVault;

  constructor(private readonly deps: EvidenceServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.vault = new KeyVault(deps.masterKey, deps.store);
  }

  /** `where` prefixes field names in errors (the HTTP route passes "body/"). */
  async record(input: RecordInput, client: string, where = ''): Promise<Recorded> {
    return (await this.recordMany([input], client, () => where))[0]!;
  }

  /**
   * Records several events with one durable write. Every item is validated
   * first: one bad item refuses the whole request, naming it, and stores nothing.
   */
  async recordMany(inputs: RecordInput[], client: string, where = (i: number) => `items/${i}/`): Promise<Recorded[]> {
    const receivedAt = this.now();
    const prepared = inputs.map((input, i) => this.prepare(input, client, receivedAt, where(i)));

    // Repeats of a key inside this request: same content is one event, other content a conflict.
    const aliasOf = new Map<number, number>();
    const firstBySlot = new Map<string, number>();
    prepared.forEach((p, i) => {
      if (p.idemDigest === undefined) return;
      const slot = slotOf(client, p);
      const first = firstBySlot.get(slot);
      if (first === undefined) return void firstBySlot.set(slot, i);
      if (prepared[first]!.idemDigest !== p.idemDigest) throw conflict(p.record.idempotencyKey!, where(i));
      aliasOf.set(i, first);
    });

    // Synchronously, before any await: claim each key, or wait on the request holding it.
    const results: (Recorded | Promise<Recorded> | undefined)[] = new Array(prepared.length);
    const claimed: { slot: string; index: number; settle: Deferred<Settled> }[] = [];
    for (const [slot, i] of firstBySlot) {
      const holder = this.inflight.get(slot);
      if (holder) {
        results[i] = holder.then((s) => duplicateOf(s, prepared[i]!, where(i)));
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
          results[c.index] = duplicateOf(settled, p, where(c.index));
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

  /** Decrypts a record's payload; PAYLOAD_ERASED after erasure. */
  async openPayload(record: EvidenceRecord): Promise<{ payload: unknown; salt: string }> {
    const dataKey = await this.vault.dataKey(record.id, record.keyRef);
    if (!record.sealedPayload || !record.salt) {
      throw new GatewayError('PAYLOAD_ERASED', `the payload of ${record.id} was erased; only its commitment remains`);
    }
    const plain = sm4.open(record.sealedPayload, dataKey, fromHex(record.id, 16));
    return { payload: JSON.parse(Buffer.from(plain).toString('utf8')) as unknown, salt: toHex(record.salt) };
  }

  /** Right to erasure: the wrapped key, the ciphertext and the salt go; the leaf and its proof stay. */
  async erase(id: string): Promise<void> {
    await this.vault.erase(id, this.now());
  }

  leafOf(record: EvidenceRecord): Leaf {
    return decodeLeaf(record.leaf);
  }

  private prepare(input: RecordInput, client: string, receivedAt: number, where: string): Prepared {
    const kind = this.kindOf(input.kind, where);
    assertPayload(kind, input.payload, `${where}payload`);
    const subject = this.subjectOf(input.subject, where);
    const ts = input.occurredAt ?? receivedAt;
    if (!Number.isSafeInteger(ts) || ts < 0) throw new GatewayError('VALIDATION_FAILED', `${where}occurredAt must be a non-negative integer (ms)`);

    const payloadBytes = jcs(input.payload);
    const salt = randomBytes(32);
    const idBytes = uuidv7(receivedAt);
    const id = toHex(idBytes);
    const leaf: Leaf = {
      v: 1,
      kind: kindCode(kind),
      id,
      gateway: this.deps.gatewayId,
      subject: toHex(subject),
      ts,
      // commitment = SM3(salt || JCS(payload)), spec section 4
      commitment: toHex(sm3(salt, payloadBytes)),
    };
    const dataKey = sm4.generateKey();
    const record: NewRecord = {
      id,
      leaf: encodeLeaf(leaf),
      // The record id is bound as associated data: a ciphertext moved to another record fails to open.
      sealedPayload: sm4.seal(payloadBytes, dataKey, idBytes),
      keyRef: null, // assigned by the key vault when written
      salt,
      client,
      receivedAt,
    };
    const prepared: Prepared = { record, dataKey, kind, leaf };
    if (input.idempotencyKey !== undefined) {
      record.idempotencyKey = input.idempotencyKey;
      // What makes two requests "the same": kind, subject, payload and stated time.
      prepared.idemDigest = toHex(sm3(jcs({ kind, subject: leaf.subject, payload: input.payload, occurredAt: input.occurredAt ?? null })));
      record.idempotencyDigest = prepared.idemDigest;
    }
    return prepared;
  }

  private kindOf(kind: unknown, where: string): EvidenceKindName {
    if (typeof kind === 'number' && isKnownKind(kind)) return kindName(kind);
    if (typeof kind === 'string') {
      try {
        return kindName(kindCode(kind));
      } catch {
        // fall through to the error naming the field
      }
    }
    throw new GatewayError('VALIDATION_FAILED', `${where}kind: unknown evidence kind ${JSON.stringify(kind)}`);
  }

  private subjectOf(subject: Subject, where: string): Uint8Array {
    if ('pseudonym' in subject) return fromHex(subject.pseudonym, 32, `${where}subject.pseudonym`);
    if (typeof subject.idNumber !== 'string' || subject.idNumber.length === 0) {
      throw new GatewayError('VALIDATION_FAILED', `${where}subject.idNumber must be a non-empty string`);
    }
    // Normalised so "11010519491231002x" and "...002X" name the same patient.
    return subjectPseudonym(this.deps.subjectKey, subject.idNumber.trim().toUpperCase());
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
