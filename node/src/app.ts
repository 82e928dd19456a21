import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { routingErrorHandler } from './http/error-handler.js';
import type { RoutingNode } from './routing-node.js';
import { forwardRoute } from './routes/forward.js';
import { peerRoutes } from './routes/peer.js';
import { routesRoute } from './routes/routes.js';
import { traceRoute } from './routes/traces.js';
import { witnessRoutes } from './witness/routes.js';

export interface NodeAppOptions {
  node: RoutingNode;
}

/**
 * The routing node's HTTP surface as a plugin:
 *   GET  /healthz, /metrics
 *   POST /v1/forward            the forwarding path (node to node, gateway to node)
 *   POST /v1/peer/update        path-vector updates from neighbours (signed)
 *   POST /v1/publish            service publications from gateways (signed)
 *   GET  /v1/traces/:requestId  a trace seen by this node, as { hops, nodes }
 *   GET  /v1/routes             its best routes (operators, convergence checks)
 *   /v1/witness/...             the witness of gateways' checkpoints it hosts (witness/routes.ts)
 */
export const nodeApp: FastifyPluginAsync<NodeAppOptions> = async (app, { node }) => {
  app.setErrorHandler(routingErrorHandler(node.id));
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}`, by: node.id });
  });

  app.get('/healthz', async () => node.health());
  app.get('/metrics', async (_request, reply) => {
    void reply.type(node.metrics.registry.contentType);
    return node.metrics.registry.metrics();
  });

  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  await typed.register(forwardRoute, { node });
  await typed.register(traceRoute, { node });
  await typed.register(routesRoute, { node });
  await app.register(peerRoutes, { node });
  if (node.witness) await app.register(witnessRoutes, { witness: node.witness });
};

/** A Fastify instance serving one routing node; server.ts only adds listen(). */
export async function buildNodeServer(node: RoutingNode, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: node.limits.bodyBytes,
    forceCloseConnections: true,
    // Refuse unknown fields instead of stripping them, and never coerce: hops are signed as sent.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    ...options,
  });
  await app.register(nodeApp, { node });
  app.addHook('onClose', async () => {
    await node.stop(true);
  });
  return app;
}
