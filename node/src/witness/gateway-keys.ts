import { DirectoryFile } from '../directory/directory-file.js';
import type { KeySource } from '../keys/key-source.js';
import type { GatewayKeys } from './types.js';

export type { GatewayKeys } from './types.js';

/**
 * Answers of a key registry kept `ttlMs` (unknown gateways included), so a
 * gateway's retries (the WITNESS_WRONG_BASE round trip, a lost answer) and
 * its witnesses' other work cost no registry read. Briefly only: a gateway
 * deactivated or a key rotated on chain is seen within `ttlMs`. Failures are
 * not kept; concurrent lookups of one (gateway, seq) share one read. At most
 * `maxEntries` answers are kept (oldest dropped), since gateway ids come from
 * requests and anyone can send many.
 */
export function cachedGatewayKeys(inner: GatewayKeys, ttlMs: number, maxEntries = 10_000): GatewayKeys {
  if (ttlMs <= 0) return inner;
  const cache = new Map<string, { key: string | null; until: number }>();
  const reading = new Map<string, Promise<string | null>>();
  return async (gateway, seq) => {
    const id = `${gateway}:${seq}`;
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    const pending = reading.get(id);
    if (pending) return pending;
    const read = inner(gateway, seq)
      .then((key) => {
        cache.delete(id);
        cache.set(id, { key, until: Date.now() + ttlMs });
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
        return key;
      })
      .finally(() => reading.delete(id));
    reading.set(id, read);
    return read;
  };
}

/**
 * Gateway keys from a routing node's key source (a directory or chain key
 * source it was given), for nodes built in process without a registry of
 * their own (tests, in-process networks). A key source knows one key per id
 * and does not tell gateways from nodes, so a node's key would pass too;
 * nodes configured with a chain or a directory use the adapters that do.
 */
export function keySourceGatewayKeys(keys: KeySource): GatewayKeys {
  return async (gateway) => (await keys(gateway))?.toLowerCase() ?? null;
}

/**
 * Gateway keys from the operator's signed directory: entries of kind
 * "gateway" only (a directory holds one key per id, valid for every seq). The
 * file is opened on first use, and re-read when an unknown id is asked for.
 */
export function directoryGatewayKeys(file: string, operatorKey: string): GatewayKeys {
  let opened: Promise<DirectoryFile> | undefined;
  return async (gateway) => {
    opened ??= DirectoryFile.open(file, operatorKey).catch((e: unknown) => {
      opened = undefined;
      throw e;
    });
    const dir = await opened;
    if ((await dir.keySource(gateway)) === undefined) return null;
    const entry = dir.entry(gateway);
    return entry?.kind === 'gateway' ? entry.publicKey.toLowerCase() : null;
  };
}
