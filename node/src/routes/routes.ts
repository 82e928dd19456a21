import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutingNode } from '../routing-node.js';

/**
 * GET /v1/routes?institution=&limit=: the best route of each destination
 * (for operators and for checking convergence), at most `limit` of them.
 * Routes are not secret: every neighbour is told them anyway.
 */
export const routesRoute: FastifyPluginAsyncTypebox<{ node: RoutingNode }> = async (app, { node }) => {
  app.get(
    '/v1/routes',
    {
      schema: {
        querystring: Type.Object(
          {
            institution: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}$' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { institution } = request.query;
      const limit = Number(request.query.limit ?? 1000);
      const routes: { destination: string; source: string; path: readonly string[] }[] = [];
      for (const [destination, route] of node.table.entries()) {
        if (institution !== undefined && !destination.startsWith(`${institution}/`)) continue;
        if (routes.length >= limit) break;
        routes.push({ destination, source: route.source, path: route.path });
      }
      return { size: node.table.size, routes };
    },
  );
};
