import { DEFAULT_WITNESS, type StandaloneWitnessSettings } from '@evidence/node';
// A subpath of its own: the witness (its LevelDB store, its routes) loads only in gateways that host one.
import { standaloneWitness, witnessRoutes, type Witness } from '@evidence/node/witness';
import type { Registry } from 'prom-client';
import type { GatewayPlugin } from '../app.js';
import type { GatewayConfig } from '../config/schema.js';

/** What a caller may give the hosted witness instead of what the settings say (tests, benchmarks). */
export interface HostedWitnessOptions {
  keys?: (gateway: string, seq: number) => Promise<string | null>;
  clock?: () => number;
}

export interface HostedWitness {
  witness: Witness;
  /** Its counters, named as a standalone witness's; served at /v1/witness/metrics, not /metrics (below). */
  registry: Registry;
  /** Mounts /v1/witness/* in the gateway: public, with the witness's own error handler and schemas. */
  plugin: GatewayPlugin;
  /** Closes the witness's store and chain connection; safe after the app closed it already. */
  close(): Promise<void>;
}

/**
 * This gateway as a witness of other institutions' checkpoints (spec section
 * 10: one institution witnessing another). The witness is node/src/witness's,
 * built as a standalone witness is: its id and SM2 key are the gateway's own
 * (already registered on chain), its state is `<DATA_DIR>/witness` (synced
 * LevelDB, so a restart never cosigns a fork), and other gateways' keys are
 * read from the registry of EVM_CONTRACT, as a routing node's witness reads
 * them, cached for a few seconds. Undefined unless WITNESS_ENABLED.
 *
 * The witness keeps its counters in a registry of its own: its
 * evidence_witness_cosignatures_total counts cosignatures it gave, the
 * gateway's counts those it received, and one registry cannot hold both.
 */
export async function hostedWitness(
  config: GatewayConfig,
  identity: { id: string; privateKey: string; publicKey: string },
  options: HostedWitnessOptions = {},
): Promise<HostedWitness | undefined> {
  if (!config.WITNESS_ENABLED) return undefined;
  if (!options.keys && (!config.EVM_RPC_URL || !config.EVM_CONTRACT)) {
    throw new Error(
      'WITNESS_ENABLED 需要 EVM_RPC_URL 与 EVM_CONTRACT（从链上登记读取其他网关的公钥）/ WITNESS_ENABLED needs EVM_RPC_URL and EVM_CONTRACT: other gateways\' keys are read from the registry on chain',
    );
  }
  const settings: StandaloneWitnessSettings = {
    code: config.GATEWAY_CODE,
    id: identity.id,
    dataDir: config.DATA_DIR,
    host: config.HOST,
    port: config.PORT,
    toleranceMs: config.WITNESS_TOLERANCE_MS,
    keyCacheMs: DEFAULT_WITNESS.keyCacheMs,
    ...(config.EVM_RPC_URL && config.EVM_CONTRACT ? { chain: { rpcUrl: config.EVM_RPC_URL, contract: config.EVM_CONTRACT } } : {}),
    logLevel: config.LOG_LEVEL,
  };
  const { witness, registry } = await standaloneWitness(settings, { privateKey: identity.privateKey, publicKey: identity.publicKey }, options);
  let closing: Promise<void> | undefined;
  return {
    witness,
    registry,
    plugin: async (app) => {
      await app.register(witnessRoutes, { witness });
      // witnessRoutes closes the witness with the app; close() then has nothing left to do.
      app.addHook('onClose', async () => {
        closing ??= Promise.resolve();
      });
      app.get('/v1/witness/metrics', { schema: { hide: true } }, async (_request, reply) => {
        void reply.type(registry.contentType);
        return registry.metrics();
      });
    },
    // For a start that failed before the app was built, or whose app was never closed.
    close: () => (closing ??= witness.close()),
  };
}
