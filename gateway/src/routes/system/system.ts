import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVIDENCE_KINDS } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { PAYLOAD_SCHEMAS } from '../../evidence/kinds/index.js';

/** Public routes: health, metrics, the gateway's identity and the payload shapes. */
export const systemRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Health / 健康检查',
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
            gateway: Type.Object({ code: Type.String(), id: Type.String() }),
            anchoring: Type.Record(Type.String(), Type.Unknown()),
            queue: Type.String(),
            sequencer: Type.Boolean({ description: 'This instance closes batches and anchors now (always on LevelDB; the lease holder among instances on PostgreSQL) / 本实例当前是否为排序者' }),
            pid: Type.Integer({ description: 'Process id of this instance / 本实例进程号' }),
            pendingLeaves: Type.Integer(),
            closed: Type.Integer(),
            anchored: Type.Integer(),
            witnessQuorum: Type.Integer({ description: 'Cosignatures a checkpoint waits for before anchoring (WITNESS_QUORUM) / 锚定前等待的联署数' }),
            witnesses: Type.Array(
              Type.Object({
                id: Type.String(),
                code: Type.Union([Type.String(), Type.Null()]),
                url: Type.String(),
                lastCosignedSize: Type.Integer({ description: 'Last log size it cosigned for this gateway, as learned since start / 最近联署的日志大小' }),
                lastError: Type.Union([Type.Null(), Type.Object({ code: Type.String(), message: Type.String(), at: Type.Integer() })]),
                lastSuccessAt: Type.Union([Type.Integer(), Type.Null()]),
                failing: Type.Boolean({ description: 'Its last request brought no valid cosignature / 最近一次请求未获联署' }),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const anchoring = ctx.anchoring.status;
      // A failing witness degrades health only when too few are left for the quorum; it never stops anchoring.
      const degraded = anchoring.state === 'halted' || !ctx.witnessing.quorumReachable;
      return {
        status: degraded ? ('degraded' as const) : ('ok' as const),
        gateway: { code: ctx.code, id: ctx.gatewayId },
        anchoring: anchoring as unknown as Record<string, unknown>,
        queue: ctx.queueKind,
        sequencer: ctx.sequencing.isSequencer,
        pid: process.pid,
        pendingLeaves: ctx.batcher.waiting,
        closed: (await ctx.batches.head())?.seq ?? -1,
        anchored: await ctx.batches.anchoredHead(),
        witnessQuorum: ctx.witnessing.quorum,
        witnesses: ctx.witnessing.status(),
      };
    },
  );

  // Behind metrics:read; a scraper without credentials uses METRICS_PORT, a listen address of its own.
  r.get('/metrics', { config: { permission: 'metrics:read' }, schema: { tags: ['system'], summary: 'Prometheus metrics (metrics:read) / 监控指标', hide: false } }, async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  r.get(
    '/v1/gateway',
    {
      schema: {
        tags: ['system'],
        summary: "The gateway's identity and signing key / 网关身份与签名公钥",
        response: {
          200: Type.Object({
            code: Type.String(),
            id: Type.String({ description: 'SM3(utf8(code))' }),
            publicKey: Type.String({ description: 'SM2 key signing batch headers and webhooks' }),
            alg: Type.String(),
            chain: Type.Union([Type.Null(), Type.String()]),
            contract: Type.Union([Type.Null(), Type.String()]),
          }),
        },
      },
    },
    async () => ({
      code: ctx.code,
      id: ctx.gatewayId,
      publicKey: ctx.publicKey,
      alg: ctx.alg,
      chain: ctx.chain,
      contract: ctx.chain === 'evm' ? (ctx.config.EVM_CONTRACT ?? null) : null,
    }),
  );

  r.get(
    '/v1/kinds',
    { schema: { tags: ['system'], summary: 'Evidence kinds and their payload shapes / 存证类型与载荷格式' } },
    async () =>
      Object.entries(EVIDENCE_KINDS).map(([name, code]) => ({
        name,
        code,
        payload: PAYLOAD_SCHEMAS[name as keyof typeof PAYLOAD_SCHEMAS],
      })),
  );
};
