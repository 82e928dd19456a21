import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { StandaloneWitnessSettings } from '../config.js';
import { WitnessMetrics } from '../metrics.js';
import { cachedGatewayKeys, directoryGatewayKeys } from './gateway-keys.js';
import { WITNESS_DIR } from './hosted.js';
import { witnessRoutes } from './routes.js';
import { LevelWitnessStore } from './store-level.js';
import type { GatewayKeys, WitnessIdentity } from './types.js';
import { Witness } from './witness.js';

/**
 * A witness of its own, for a regulator or a court: its id and SM2 key, its
 * state in `<dataDir>/witness` (synced LevelDB), gateway keys from the chain
 * or the operator's directory. The registry for its /metrics comes back too.
 */
export async function standaloneWitness(
  settings: StandaloneWitnessSettings,
  key: { privateKey: string; publicKey: string },
  options: { keys?: GatewayKeys; clock?: () => number } = {},
): Promise<{ witness: Witness; registry: Registry }> {
  const registry = new Registry();
  registry.setDefaultLabels({ witness: settings.code });
  collectDefaultMetrics({ register: registry });
  const identity: WitnessIdentity = { id: settings.id, privateKey: key.privateKey, publicKey: key.publicKey };
  let keys = options.keys;
  let release: (() => void) | undefined;
  if (!keys) {
    if (settings.chain) {
      // Loaded only with a chain: it brings ethers along.
      const { evmGatewayKeys } = await import('./gateway-keys-evm.js');
      const evm = evmGatewayKeys({ rpcUrl: settings.chain.rpcUrl, address: settings.chain.contract });
      keys = evm;
      release = () => evm.close();
    } else {
      keys = directoryGatewayKeys(settings.directory!.file, settings.directory!.operatorKey);
    }
    keys = cachedGatewayKeys(keys, settings.keyCacheMs);
  }
  const witness = new Witness({
    identity,
    store: new LevelWitnessStore(join(settings.dataDir, WITNESS_DIR)),
    keys,
    toleranceMs: settings.toleranceMs,
    metrics: new WitnessMetrics(registry),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(release ? { release } : {}),
  });
  return { witness, registry };
}

/** A Fastify instance serving one witness (its routes, /healthz, /metrics); server.ts only listens. */
export async function buildWitnessServer(witness: Witness, registry: Registry, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    forceCloseConnections: true,
    // Refuse unknown fields instead of stripping them, and never coerce: checkpoints are signed as sent.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    ...options,
  });
  app.get('/healthz', async () => ({ status: 'ok', ...witness.info() }));
  app.get('/metrics', async (_request, reply) => {
    void reply.type(registry.contentType);
    return registry.metrics();
  });
  await app.register(witnessRoutes, { witness });
  return app;
}
