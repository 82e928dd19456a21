import { prepareSm2PublicKey, type KeyLookup, type Sm2PreparedKey } from '@evidence/core';
import { prepareFastKey } from './fast-key.js';

/**
 * Where the registered public key of a node or gateway id comes from: the
 * on-chain registry, or the operator's signed directory when no chain is
 * configured. Never from a message itself, since messages are what an attacker
 * forges. Resolves to undefined for an id nobody registered.
 */
export type KeySource = (id: string) => Promise<string | undefined>;

/** The registered code of an id, for naming nodes in traces (optional information). */
export type CodeSource = (id: string) => Promise<string | undefined>;

/** A fixed set of keys, e.g. neighbours pinned in a node's configuration. */
export function staticKeySource(entries: readonly { id: string; publicKey: string }[]): KeySource {
  const byId = new Map(entries.map((e) => [e.id, e.publicKey]));
  return async (id) => byId.get(id);
}

/** Asks each source in turn; the first that knows the id wins. */
export function firstKeySource(...sources: KeySource[]): KeySource {
  return async (id) => {
    for (const source of sources) {
      const key = await source(id);
      if (key !== undefined) return key;
    }
    return undefined;
  };
}

interface CachedKey {
  publicKey: string;
  prepared: Sm2PreparedKey;
  until: number;
  uses: number;
  /** Holds one of the fast slots (its window-8 table is built or being built). */
  slot: boolean;
}

/** Uses after which a key is worth a window-8 table. */
const HOT_USES = 16;

/**
 * Caches prepared keys (several times faster to verify with) in front of a
 * key source, so the forwarding path costs one map lookup per hop. Entries
 * expire after `ttlMs` so a key rotated in the registry is picked up. The
 * `fastSlots` keys used most get a larger precomputed table, built between
 * requests rather than on the path of one.
 */
export class KeyRing {
  private readonly cache = new Map<string, CachedKey>();
  private fastKeys = 0;

  constructor(
    readonly source: KeySource,
    private readonly ttlMs = 60_000,
    private readonly fastSlots = 64,
  ) {}

  async publicKey(id: string): Promise<string | undefined> {
    return (await this.entry(id))?.publicKey;
  }

  /** Resolves every id first (asynchronously), then answers verifyTrace synchronously. */
  async lookupFor(ids: Iterable<string>): Promise<KeyLookup> {
    const resolved = new Map<string, Sm2PreparedKey>();
    for (const id of new Set(ids)) {
      const entry = await this.entry(id);
      if (!entry) continue;
      resolved.set(id, entry.prepared);
      if (++entry.uses >= HOT_USES && !entry.slot && this.fastKeys < this.fastSlots) {
        this.fastKeys++;
        entry.slot = true;
        setImmediate(() => {
          entry.prepared = prepareFastKey(entry.publicKey);
        });
      }
    }
    return (id) => resolved.get(id);
  }

  private async entry(id: string): Promise<CachedKey | undefined> {
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit;
    const publicKey = await this.source(id);
    if (publicKey === undefined) {
      this.cache.delete(id);
      return undefined;
    }
    if (hit && hit.publicKey === publicKey) {
      hit.until = now + this.ttlMs;
      return hit;
    }
    let prepared: Sm2PreparedKey;
    try {
      prepared = prepareSm2PublicKey(publicKey);
    } catch {
      return undefined; // a registry holding a non-key is treated as not registered
    }
    if (hit?.slot) this.fastKeys--; // a rotated key gives its slot back
    const entry: CachedKey = { publicKey, prepared, until: now + this.ttlMs, uses: 0, slot: false };
    this.cache.set(id, entry);
    return entry;
  }
}
