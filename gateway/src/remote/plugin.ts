import { entityId, toHex } from '@evidence/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  ForwardRequestSchema,
  HttpClient,
  KeyRing,
  loadTls,
  mutualTlsServerOptions,
  tlsPeerId,
  RoutingError,
  routingErrorHandler,
  defaultVerifyWorkers,
  sharedSignaturePool,
  SM2_HOPS,
  traceDocument,
  TraceStore,
  type CodeSource,
  type ErrorHandler,
  type HopCrypto,
  type KeySource,
} from '@evidence/node';
import type { FastifyContextConfig, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RemoteSettings } from './config.js';
import type { RemoteContext } from './context.js';
import { deliver } from './deliver.js';
import type { RecordEvidence } from './evidence.js';
import { SUBJECT_HEADER } from './internal-service.js';
import { callRemote, type RemoteCall } from './origin.js';
import { ServicePublisher } from './publisher.js';
import { SeenRequests } from './replay.js';
import type { ServiceHandler } from './service-handler.js';

export interface RemoteOptions {
  /** This institution's registered code; its id (SM3 of the code) is what hops name. */
  code: string;
  /** The gateway's registered SM2 key pair. */
  keys: { privateKey: string; publicKey: string };
  settings: RemoteSettings;
  /** Registered keys of nodes and gateways: the operator's directory or the chain. */
  keySource: KeySource;
  codes?: CodeSource;
  record: RecordEvidence;
  /**
   * Route config of the routes this institution's own systems call (the
   * gateway's authentication reads a required permission from it).
   * /v1/deliver gets none: the routing node calls it, and the signed hop chain
   * authenticates the caller.
   */
  callConfig?: FastifyContextConfig;
  traceConfig?: FastifyContextConfig;
  /** The host's error handler, for errors that are not routing refusals. */
  hostErrorHandler?: ErrorHandler;
  /** SM2 hops (the default); the routing benchmark swaps in its unsigned baseline. */
  crypto?: HopCrypto;
  /** null: signatures are checked on this thread (the unsigned benchmark baseline has none to check); the shared signature threads otherwise. */
  pool?: null;
  /** Receives the plugin's handle (the publisher and recent traces), e.g. for the gateway's status output. */
  expose?: (handle: RemoteHandle) => void;
  /** Published services answered by the gateway itself instead of their internal URL. */
  handlers?: ReadonlyMap<string, ServiceHandler>;
  /**
   * The file keeping delivered request ids across restarts (replay.ts), e.g.
   * in the gateway's data folder; in memory only when absent.
   */
  replayFile?: string;
}

/** The parts of the plugin its host may look at. */
export interface RemoteHandle {
  readonly publisher: ServicePublisher;
  readonly traces: TraceStore;
  /** Where deliveries arrive over mutual TLS (https://host:port), once listening; undefined on a plain development link. */
  readonly deliveryUrl: () => string | undefined;
}

const RequestIdParams = Type.Object({ requestId: Type.String({ pattern: '^[0-9a-f]{32}$' }) });
const RemoteParams = Type.Object({
  institution: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  service: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }),
  '*': Type.Optional(Type.String()),
});

/**
 * Remote calls between institutions through the routing network:
 *   ANY  /v1/remote/:institution/:service/*  for this institution's systems: route a call, answer
 *                                            { requestId, response: { status, body }, trace: { hops, nodes },
 *                                              evidence: { "hop-trace": id } }
 *                                            with the remote status and the header x-evidence-request-id
 *   GET  /v1/traces/:requestId               a trace this gateway took part in, as { hops, nodes }
 *   POST /v1/deliver                         from the routing node: deliver to an internal service, on a
 *                                            listener of its own with mutual TLS (settings.network), or on
 *                                            this API only where plain links are allowed (development)
 * and publication of the configured services to the routing node.
 */
export const remotePlugin: FastifyPluginAsync<RemoteOptions> = async (fastify, o) => {
  const id = toHex(entityId(o.code));
  const tls = o.settings.tls ? await loadTls(o.settings.tls) : undefined;
  const client = new HttpClient({ ...(tls ? { tls } : {}), plainHttp: o.settings.allowPlainHttp });
  const ctx: RemoteContext = {
    code: o.code,
    signer: { id, privateKey: o.keys.privateKey, publicKey: o.keys.publicKey },
    settings: o.settings,
    keyRing: new KeyRing(o.keySource),
    codes: o.codes,
    client,
    record: o.record,
    traces: new TraceStore(),
    seen: o.replayFile ? await SeenRequests.open(o.settings.limits.maxAgeMs, o.replayFile) : SeenRequests.inMemory(o.settings.limits.maxAgeMs),
    crypto: o.crypto ?? SM2_HOPS,
    pool: o.pool === null ? undefined : sharedSignaturePool(o.settings.verifyWorkers ?? defaultVerifyWorkers()),
    handlers: o.handlers,
  };
  const publisher = new ServicePublisher({
    signer: ctx.signer,
    code: o.code,
    node: o.settings.node,
    client,
    services: [...o.settings.services.keys()],
    ttlMs: o.settings.publishTtlMs,
    onError: (message) => fastify.log.warn({ node: o.settings.node.url }, `publishing services failed: ${message}`),
  });
  let deliveries: FastifyInstance | undefined;
  let deliveryUrl: string | undefined;
  o.expose?.({ publisher, traces: ctx.traces, deliveryUrl: () => deliveryUrl });

  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(routingErrorHandler(id, o.hostErrorHandler));
  for (const url of ['/v1/remote/:institution/:service', '/v1/remote/:institution/:service/*']) {
    app.all(url, { config: o.callConfig ?? {}, schema: { params: RemoteParams } }, async (request, reply) => {
      const outcome = await callRemote(ctx, remoteCall(request.params.institution, request.params.service, request));
      void reply.code(outcome.status).header('x-evidence-request-id', outcome.requestId);
      if (!outcome.ok) return { ...outcome.error, requestId: outcome.requestId };
      return {
        requestId: outcome.requestId,
        response: { status: outcome.status, body: outcome.body },
        trace: outcome.trace,
        // The hop-trace evidence this gateway recorded: its proof is at /v1/evidence/:id/proof once anchored.
        evidence: { 'hop-trace': outcome.evidence },
        // What each routing node says it checked (not signed; the hops are the evidence).
        ...(outcome.checks ? { checks: outcome.checks } : {}),
      };
    });
  }

  app.get('/v1/traces/:requestId', { config: o.traceConfig ?? {}, schema: { params: RequestIdParams } }, async (request) => {
    const entry = ctx.traces.get(request.params.requestId);
    if (!entry) throw new RoutingError('TRACE_NOT_FOUND', `this gateway has no trace of request ${request.params.requestId}`);
    return traceDocument(entry, ctx.keyRing, ctx.codes);
  });

  if (tls) {
    // Deliveries come from routing nodes of the network only: a listener of their own, mutual TLS.
    deliveries = Fastify({
      https: mutualTlsServerOptions(tls),
      bodyLimit: o.settings.limits.bodyBytes + 64 * 1024,
      forceCloseConnections: true,
      logger: false,
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    });
    deliveries.setErrorHandler(routingErrorHandler(id));
    deliveries.withTypeProvider<TypeBoxTypeProvider>().post('/v1/deliver', { schema: { body: ForwardRequestSchema } }, async (request) =>
      deliver(ctx, request.body, tlsPeerId(request.raw.socket)),
    );
  } else {
    app.post(
      '/v1/deliver',
      { bodyLimit: o.settings.limits.bodyBytes + 64 * 1024, schema: { body: ForwardRequestSchema } },
      async (request) => deliver(ctx, request.body),
    );
  }

  fastify.addHook('onListen', async function () {
    if (deliveries) deliveryUrl = await deliveries.listen({ host: o.settings.network.host, port: o.settings.network.port });
    const url = o.settings.publicUrl ?? deliveryUrl ?? listenUrl(this.server.address());
    if (url) await publisher.start(url);
  });
  fastify.addHook('onClose', async () => {
    await publisher.stop();
    await deliveries?.close();
    await ctx.seen.close();
    client.close();
  });
};

/**
 * The request as the remote service will receive it: the same method, the
 * path after /v1/remote/:institution/:service (query string included, taken
 * from the raw URL so nothing is re-encoded) and the body.
 */
function remoteCall(institution: string, service: string, request: FastifyRequest): RemoteCall {
  const prefix = `/v1/remote/${institution}/${service}`;
  if (!request.url.startsWith(prefix)) throw new RoutingError('BAD_REQUEST', 'institution and service must not be percent-encoded');
  const rest = request.url.slice(prefix.length);
  // An encoded slash or backslash would be decoded by the internal service into a path the
  // caller could not write plainly (another segment, or a Windows separator): refused outright.
  const pathPart = rest.split('?')[0]!;
  if (/%2f|%5c/i.test(pathPart)) throw new RoutingError('REMOTE_BAD_PATH', 'the path must not contain an encoded slash or backslash (%2F, %5C) / 路径不得含编码的斜杠');
  const call: RemoteCall = {
    institution,
    service,
    request: { method: request.method, path: rest.startsWith('/') ? rest : `/${rest}` },
  };
  if (request.body !== undefined) call.request.body = request.body;
  const subjectId = request.headers[SUBJECT_HEADER];
  if (typeof subjectId === 'string' && subjectId.length > 0) call.subjectId = subjectId;
  return call;
}

function listenUrl(address: ReturnType<import('node:net').Server['address']>): string | undefined {
  if (!address || typeof address === 'string') return undefined;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
