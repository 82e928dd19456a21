import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RoutingError } from '../errors.js';
import type { RoutingNode } from '../routing-node.js';

/** GET /v1/traces/:requestId: `{ hops, nodes }`, the input of `evidence verify-trace`. */
export const traceRoute: FastifyPluginAsyncTypebox<{ node: RoutingNode }> = async (app, { node }) => {
  app.get(
    '/v1/traces/:requestId',
    { schema: { params: Type.Object({ requestId: Type.String({ pattern: '^[0-9a-f]{32}$' }) }) } },
    async (request) => {
      const doc = await node.trace(request.params.requestId);
      if (!doc) throw new RoutingError('TRACE_NOT_FOUND', `this node has no trace of request ${request.params.requestId}`);
      return doc;
    },
  );
};
