import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import { bulkBodySchema } from '../../evidence/input-schema.js';
import { errorResponses } from '../schemas.js';
import { acceptedItemJson, acceptedJson } from './accepted-json.js';
import { Accepted, EvidenceInput } from './schemas.js';

/**
 * POST /v1/evidence and POST /v1/evidence/batch: acknowledged (202) only after
 * the durable write.
 *
 * The body reaches these handlers as received, as bytes: an intake worker
 * decodes them, so the main thread decodes no body. A bulk feed of several
 * hundred KB moves to the worker without a copy; single events arriving
 * together are copied into one buffer that moves (event-wire). It is
 * parsed and validated against the schemas below with Fastify's own JSON rules
 * and Ajv (evidence/request.ts), in an intake worker when there is one, so the main
 * thread never builds the body's objects; Fastify therefore does not validate
 * it a second time here. The schemas still document both routes at /docs.
 */
export const recordRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  keepBodiesAsBytes(app);

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
      const [recorded] = await ctx.evidence.recordBody(bodyOf(req), { kind: 'event' }, req.client!.id);
      return reply.status(202).type('application/json; charset=utf-8').send(acceptedItemJson(recorded!));
    },
  );

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
      const items = await ctx.evidence.recordBody(bodyOf(req), { kind: 'bulk', maxItems: ctx.config.BULK_MAX_ITEMS }, req.client!.id);
      return reply.status(202).type('application/json; charset=utf-8').send(acceptedJson(items));
    },
  );
};

/**
 * The body as received. A request with no body and no content type reaches
 * the handler without one (Fastify parses nothing): it is refused as an empty
 * body, as it is with a JSON content type.
 */
function bodyOf(req: FastifyRequest): string | Uint8Array {
  if (req.rawBody === undefined) throw new GatewayError('BAD_JSON', 'the body is empty: send the event as JSON with content-type application/json / 请求体为空');
  return req.rawBody;
}

/** The body is validated by the intake (evidence/request.ts), not by Fastify. */
const validatedInWorker = () => () => true;

/** JSON bodies are kept as received (bytes) in req.rawBody, and read by the intake (evidence/request.ts). */
function keepBodiesAsBytes(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    done(null, body);
  });
}
