import { prepareSm2PublicKey, type KeyLookup, type Sm2PreparedKey } from '@evidence/core';

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
}

/**
 * Caches prepared keys (about 3× faster to verify with) in front of a key
 * source, so the forwarding path costs one map lookup per hop. Entries expire
 * after `ttlMs` so a key rotated in the registry is picked up.
 */
export class KeyRing {
  private readonly cache = new Map<string, CachedKey>();

  constructor(
    readonly source: KeySource,
    private readonly ttlMs = 60_000,
  ) {}

  async publicKey(id: string): Promise<string | undefined> {
    return (await this.entry(id))?.publicKey;
  }

  /** Resolves every id first (asynchronously), then answers verifyTrace synchronously. */
  async lookupFor(ids: Iterable<string>): Promise<KeyLookup> {
    const resolved = new Map<string, Sm2PreparedKey>();
    for (const id of new Set(ids)) {
      const entry = await this.entry(id);
      if (entry) resolved.set(id, entry.prepared);
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
    const entry = { publicKey, prepared, until: now + this.ttlMs };
    this.cache.set(id, entry);
    return entry;
  }
}
