import { decodeLeaf, type EvidenceKindName } from '@evidence/core';
import { GatewayError } from '../errors.js';
import { IdempotencyKeyTaken, type EvidenceStore, type PendingLeaf } from '../ports/store.js';
import type { KeyVault } from './key-vault.js';
import type { Prepared } from './prepare.js';
import type { Recorded } from './service.js';

export interface StoreDeps {
  store: EvidenceStore;
  vault: KeyVault;
  /** Receives every durably written leaf, in acknowledgement order (the batcher). */
  onDurable: (leaves: PendingLeaf[]) => void;
  /** Called with the kind of each newly recorded event (metrics). */
  onRecorded?: (kind: EvidenceKindName, count: number) => void;
}

/**
 * The store step: idempotency (a retry with the same key and content is the
 * first record; other content under the key is IDEMPOTENCY_CONFLICT), then
 * one durable write of everything new through the key vault, whose per-record
 * keys it seals under the master key. Resolves in item order, only after the
 * write.
 */
export class StoreStep {
  /** Idempotency keys whose first request is still being written. */
  private readonly inflight = new Map<string, Promise<Settled>>();

  constructor(private readonly deps: StoreDeps) {}

  /**
   * Stores, again when another instance sharing the store took one of the
   * write's idempotency keys between our look-up and our write (the store then
   * stored nothing of it): the look-up now finds that instance's record and
   * answers as a duplicate. Requests written in the same group are written again.
   */
  async store(prepared: Prepared[], client: string, receivedAt: number, name: (i: number) => string): Promise<Recorded[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.storeNow(prepared, client, receivedAt, name);
      } catch (e) {
        if (!(e instanceof IdempotencyKeyTaken) || attempt >= 3) throw e;
      }
    }
  }

  /** Idempotency, then one durable write of everything new; resolves in item order. */
  private async storeNow(prepared: Prepared[], client: string, receivedAt: number, name: (i: number) => string): Promise<Recorded[]> {
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
    await this.deps.vault.write(items.map((p) => ({ record: p.record, dataKey: p.dataKey })));
    this.deps.onDurable(items.map((p) => ({ id: p.record.id, leaf: p.record.leaf, receivedAt })));
    const byKind = new Map<EvidenceKindName, number>();
    for (const p of items) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
    for (const [kind, count] of byKind) this.deps.onRecorded?.(kind, count);
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
