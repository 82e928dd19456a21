import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isRoutingError } from '../errors.js';
import { ForwardRequestSchema } from '../forward/protocol.js';
import type { RoutingNode } from '../routing-node.js';
import { tlsPeerId } from '../tls/tls-files.js';

/** POST /v1/forward: check the chain, add this node's signed hop, pass the request on. */
export const forwardRoute: FastifyPluginAsyncTypebox<{ node: RoutingNode }> = async (app, { node }) => {
  app.post('/v1/forward', { schema: { body: ForwardRequestSchema } }, async (request, reply) => {
    const started = performance.now();
    let outcome = 'ok';
    try {
      const answer = await node.forward(request.body, Date.now(), tlsPeerId(request.raw.socket));
      if (answer.status !== 200) outcome = `downstream_${answer.status}`;
      return reply.code(answer.status).type('application/json').send(answer.body);
    } catch (e) {
      outcome = isRoutingError(e) ? e.code : 'INTERNAL';
      throw e;
    } finally {
      node.metrics.forwarded.inc({ outcome });
      node.metrics.forwardSeconds.observe({ outcome }, (performance.now() - started) / 1000);
    }
  });
};
