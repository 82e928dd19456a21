import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { GatewayContext } from '../../context.js';
import type { RecordInput } from '../../evidence/service.js';
import { bulkBodySchema } from '../../evidence/bulk-body.js';
import { errorResponses } from '../schemas.js';
import { acceptedJson } from './accepted-json.js';
import { Accepted, EvidenceInput } from './schemas.js';

/** POST /v1/evidence and POST /v1/evidence/batch: acknowledged (202) only after the durable write. */
export const recordRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/v1/evidence',
    {
      config: { permission: 'evidence:write' },
      schema: {
        tags: ['evidence'],
        summary: 'Record one event / 记录一条存证',
        body: EvidenceInput,
        response: { 202: Accepted, ...errorResponses(400, 401, 403, 409, 413, 429) },
      },
    },
    async (req, reply) => {
      const recorded = await ctx.evidence.record(req.body as RecordInput, req.client!.id, 'body/');
      return reply.status(202).send(recorded);
    },
  );

  // Bulk feeds: the body reaches the handler as text and is parsed and
  // validated against this same schema (readBulkBody, Fastify's own Ajv) in an
  // intake worker, so the main thread never builds its thousands of objects.
  // Fastify therefore does not validate it again here.
  await app.register(async (bulk) => {
    bulk.removeContentTypeParser('application/json');
    bulk.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      req.rawBody = body as string;
      done(null, body);
    });
    bulk.post(
      '/v1/evidence/batch',
      {
        bodyLimit: ctx.config.BULK_BODY_LIMIT,
        config: { permission: 'evidence:write' },
        schema: {
          tags: ['evidence'],
          summary: 'Record many events in one request (bulk feeds) / 批量记录',
          body: bulkBodySchema(ctx.config.BULK_MAX_ITEMS),
          response: {
            202: Type.Object({ count: Type.Integer(), items: Type.Array(Accepted) }),
            ...errorResponses(400, 401, 403, 409, 413, 429),
          },
        },
        validatorCompiler: () => () => true,
      },
      async (req, reply) => {
        const items = await ctx.evidence.recordBulk(req.rawBody!, req.client!.id, ctx.config.BULK_MAX_ITEMS);
        return reply.status(202).type('application/json; charset=utf-8').send(acceptedJson(items));
      },
    );
  });
};
