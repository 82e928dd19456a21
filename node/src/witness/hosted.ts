import { join } from 'node:path';
import { DEFAULT_WITNESS, type NodeSettings } from '../config.js';
import type { KeySource } from '../keys/key-source.js';
import type { WitnessMetrics } from '../metrics.js';
import { cachedGatewayKeys, directoryGatewayKeys, keySourceGatewayKeys } from './gateway-keys.js';
import type { WitnessStore } from './store.js';
import { LevelWitnessStore } from './store-level.js';
import { MemoryWitnessStore } from './store-memory.js';
import type { GatewayKeys, WitnessIdentity } from './types.js';
import { Witness } from './witness.js';

/** What a caller may give the witness a routing node hosts instead of what its settings say. */
export interface HostedWitnessOptions {
  store?: WitnessStore;
  keys?: GatewayKeys;
  clock?: () => number;
}

/** The folder of a witness's state inside a device's data folder. */
export const WITNESS_DIR = 'witness';

/**
 * The witness every routing node hosts, with the node's own id and SM2 key:
 * state in `<dataDir>/witness` (synced LevelDB) when the configuration names
 * a data folder, in memory otherwise (nodes built in process, tests; the
 * plugin warns at start); gateway keys from the registry the configuration names (the chain,
 * read lazily so ethers loads only then, or the directory's gateway entries),
 * else from the node's key source. Undefined when the settings turn it off.
 */
export function hostedWitness(o: {
  settings: NodeSettings;
  identity: WitnessIdentity;
  keys: KeySource;
  metrics: WitnessMetrics;
  options?: HostedWitnessOptions;
}): Witness | undefined {
  const settings = o.settings.witness ?? DEFAULT_WITNESS;
  if (!settings.enabled) return undefined;
  const store =
    o.options?.store ?? (o.settings.dataDir !== undefined ? new LevelWitnessStore(join(o.settings.dataDir, WITNESS_DIR)) : new MemoryWitnessStore());
  const registry = o.options?.keys ? undefined : registryKeys(o.settings, o.keys);
  const keys = o.options?.keys ?? cachedGatewayKeys(registry!.keys, settings.keyCacheMs);
  return new Witness({
    identity: o.identity,
    store,
    keys,
    ...(registry?.release ? { release: registry.release } : {}),
    toleranceMs: settings.toleranceMs,
    metrics: o.metrics,
    ...(o.options?.clock ? { clock: o.options.clock } : {}),
  });
}

function registryKeys(settings: NodeSettings, keys: KeySource): { keys: GatewayKeys; release?: () => void } {
  const chain = settings.chain;
  if (chain) {
    let evm: Promise<GatewayKeys & { close(): void }> | undefined;
    return {
      keys: async (gateway, seq) => {
        evm ??= import('./gateway-keys-evm.js').then((m) => m.evmGatewayKeys({ rpcUrl: chain.rpcUrl, address: chain.contract }));
        return (await evm)(gateway, seq);
      },
      release: () => void evm?.then((k) => k.close()),
    };
  }
  if (settings.directory) return { keys: directoryGatewayKeys(settings.directory.file, settings.directory.operatorKey) };
  return { keys: keySourceGatewayKeys(keys) };
}
