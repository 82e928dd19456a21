import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { RoutingError } from './errors.js';
import { routingErrorHandler } from './http/error-handler.js';
import { tlsPeerId } from './tls/tls-files.js';
import type { RoutingNode } from './routing-node.js';
import { forwardRoute } from './routes/forward.js';
import { peerRoutes } from './routes/peer.js';
import { routesRoute } from './routes/routes.js';
import { traceRoute } from './routes/traces.js';
import { witnessRoutes } from './witness/routes.js';

export interface NodeAppOptions {
  node: RoutingNode;
  /**
   * The listener is TLS: the link routes (forward, peer updates,
   * publications) take requests only from a device with a valid certificate
   * of the network's CA.
   */
  linksNeedCertificate?: boolean;
}

/** Routes between devices: only over an authenticated TLS link when the node runs TLS. */
const LINK_ROUTES = new Set(['/v1/forward', '/v1/peer/update', '/v1/publish']);

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
export const nodeApp: FastifyPluginAsync<NodeAppOptions> = async (app, { node, linksNeedCertificate }) => {
  app.setErrorHandler(routingErrorHandler(node.id));
  if (linksNeedCertificate) {
    app.addHook('onRequest', async (request) => {
      if (LINK_ROUTES.has(request.url.split('?')[0]!) && tlsPeerId(request.raw.socket) === undefined) {
        throw new RoutingError('TLS_CLIENT_CERT_REQUIRED', 'this route takes requests only from a device with a certificate of the network CA / 须使用网络 CA 签发的设备证书');
      }
    });
  }
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
  const https = (options as { https?: unknown }).https;
  await app.register(nodeApp, { node, linksNeedCertificate: https !== undefined && https !== null });
  app.addHook('onClose', async () => {
    await node.stop(true);
  });
  return app;
}
