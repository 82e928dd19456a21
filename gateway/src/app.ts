import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { authHooks } from './auth/hook.js';
import { requestLimits } from './auth/limits.js';
import type { GatewayContext } from './context.js';
import { PAYLOAD_SCHEMAS } from './evidence/kinds/index.js';
import { clientErrorHandler, errorHandler } from './http/error-handler.js';
import { keepRawJson } from './http/json-parser.js';
import { AJV_CUSTOM_OPTIONS } from './http/validation.js';
import { batchRoutes } from './routes/batches/batches.js';
import { readRoutes } from './routes/evidence/read.js';
import { recordRoutes } from './routes/evidence/record.js';
import { subscriptionRoutes } from './routes/subscriptions/subscriptions.js';
import { systemRoutes } from './routes/system/system.js';
import { verifyPageRoutes } from './routes/verify-page/verify-page.js';
import { auditRoutes } from './routes/audit/audit.js';
import { supervisionRoutes } from './routes/supervision/supervision.js';
import { claimRoutes } from './routes/claims/claims.js';
import { credentialRoutes } from './routes/credentials/credentials.js';
import { logRoutes } from './routes/log/log.js';

/** A route plugin of the gateway; the remote-call plugin (gateway/src/remote/) has the same shape. */
export type GatewayPlugin = FastifyPluginAsync<{ ctx: GatewayContext }>;

/** The gateway's own route plugins, in registration order. */
export const ROUTE_PLUGINS: readonly GatewayPlugin[] = [systemRoutes, recordRoutes, readRoutes, batchRoutes, subscriptionRoutes, verifyPageRoutes, auditRoutes, supervisionRoutes, claimRoutes, credentialRoutes, logRoutes];

export interface AppOptions {
  ctx: GatewayContext;
  /** More route plugins (e.g. the remote-call routes), registered after the built-in ones. */
  plugins?: readonly GatewayPlugin[];
}

/**
 * The gateway as a Fastify plugin: raw-body JSON parsing, authentication and
 * authorisation, per-client rate limits, the one error handler, and the routes.
 */
export const gatewayApp: FastifyPluginAsync<AppOptions> = async (app, { ctx, plugins = [] }) => {
  keepRawJson(app);
  app.decorateRequest('client', null);
  app.setErrorHandler(errorHandler((code) => ctx.metrics.rejected.inc({ code })));
  // Limits before work: the source address's budget first, then the headers (authentication, the
  // client's budget), all before the body is read; a signature over the body is checked once it is.
  const c = ctx.config;
  const limits = await requestLimits(app, {
    addressMax: c.RATE_LIMIT_ADDRESS_MAX,
    clientMax: c.RATE_LIMIT_MAX,
    failureMax: c.AUTH_FAILURE_MAX,
    windowMs: c.RATE_LIMIT_WINDOW_MS,
    redis: ctx.rateLimitRedis,
    prefix: c.QUEUE_PREFIX ?? `evidence:${c.GATEWAY_CODE}`,
  });
  const auth = authHooks({ clients: ctx.clients, nonces: ctx.nonces, allowBearer: c.ALLOW_BEARER, windowMs: c.AUTH_WINDOW_MS, limits, unverifiedBodyLimit: c.UNVERIFIED_BODY_LIMIT });
  app.addHook('onRequest', limits.address);
  app.addHook('onRequest', auth.onRequest);
  app.addHook('preParsing', auth.preParsing);
  app.addHook('preValidation', auth.preValidation);
  for (const plugin of [...ROUTE_PLUGINS, ...plugins]) await app.register(plugin, { ctx });
};

/** Builds the Fastify instance (not listening): logging, limits, OpenAPI at /docs, the gateway plugin. */
export async function buildApp(options: AppOptions & { logger?: boolean }): Promise<FastifyInstance> {
  const { config } = options.ctx;
  const verbose = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace';
  const app = Fastify({
    logger: options.logger === false ? false : { level: config.LOG_LEVEL },
    // One log line per request costs more than recording the event; only when debugging.
    logController: new LogController({ disableRequestLogging: !verbose }),
    bodyLimit: config.BODY_LIMIT,
    // A 431 for huge headers (and other parser errors) in the gateway's { code, message } shape.
    clientErrorHandler,
    ajv: { customOptions: AJV_CUSTOM_OPTIONS },
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: `Evidence gateway ${options.ctx.code} / 服务开放设备`,
        version: '1',
        description:
          'Records evidence for internet-hospital systems, batches it into RFC 9162 trees, signs batch headers with SM2, anchors them, and serves proof bundles. / 为互联网医院记录存证、组批、SM2 签名、上链锚定并提供证明。',
      },
      components: {
        securitySchemes: {
          sm2: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'EVIDENCE-SM2 client="…", ts="…", nonce="…", sig="…"' },
          bearer: { type: 'http', scheme: 'bearer', description: 'Development tokens (ALLOW_BEARER=true) / 开发令牌' },
        },
        schemas: Object.fromEntries(Object.entries(PAYLOAD_SCHEMAS).map(([k, s]) => [`payload.${k}`, s])) as Record<string, never>,
      },
      security: [{ sm2: [] }, { bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(gatewayApp, options);
  return app;
}
