import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { GatewayContext } from '../../context.js';
import { bulkBodySchema } from '../../evidence/request-body.js';
import { errorResponses } from '../schemas.js';
import { acceptedItemJson, acceptedJson } from './accepted-json.js';
import { Accepted, EvidenceInput } from './schemas.js';

/**
 * POST /v1/evidence and POST /v1/evidence/batch: acknowledged (202) only after
 * the durable write.
 *
 * The body reaches these handlers as received: text for one event, bytes for
 * a bulk feed (they move to an intake worker, which decodes them, so the main
 * thread neither decodes nor copies a feed of several hundred KB). It is
 * parsed and validated against the schemas below with Fastify's own JSON rules
 * and Ajv (readBody), in an intake worker when there is one, so the main
 * thread never builds the body's objects; Fastify therefore does not validate
 * it a second time here. The schemas still document both routes at /docs.
 */
export const recordRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  keepBodyAs(app, 'string');
  await app.register(bulkRoute, { ctx });

  app.post(
    '/v1/evidence',
    {
      config: { permission: 'evidence:write' },
      schema: {
        tags: ['evidence'],
        summary: 'Record one event / 记录一条存证',
        body: EvidenceInput,
        response: { 202: Accepted, ...errorResponses(400, 401, 403, 409, 413, 429) },
      },
      validatorCompiler: validatedInWorker,
    },
    async (req, reply) => {
      const [recorded] = await ctx.evidence.recordBody(req.rawBody!, { kind: 'event' }, req.client!.id);
      return reply.status(202).type('application/json; charset=utf-8').send(acceptedItemJson(recorded!));
    },
  );
};

/** The bulk route, in its own context: its body is kept as bytes. */
const bulkRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  keepBodyAs(app, 'buffer');
  app.post(
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
      validatorCompiler: validatedInWorker,
    },
    async (req, reply) => {
      const items = await ctx.evidence.recordBody(req.rawBody!, { kind: 'bulk', maxItems: ctx.config.BULK_MAX_ITEMS }, req.client!.id);
      return reply.status(202).type('application/json; charset=utf-8').send(acceptedJson(items));
    },
  );
};

/** The body is validated in the intake worker (readBody), not by Fastify. */
const validatedInWorker = () => () => true;

/** JSON bodies are kept as received (text or bytes) in req.rawBody, and parsed by readBody. */
function keepBodyAs(app: FastifyInstance, parseAs: 'string' | 'buffer'): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs }, (req, body, done) => {
    req.rawBody = body as string | Buffer;
    done(null, body);
  });
}
