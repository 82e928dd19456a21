import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditGateway, collectViews, FINDING_TYPES, type GatewaySource } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import type { BatchStore } from '../../ports/store.js';
import { errorResponses } from '../schemas.js';

/** The gateway's own history as the audit reads it: what GET /v1/batches/:seq serves. */
export function storeSource(batches: BatchStore): GatewaySource {
  return {
    closed: async () => (await batches.head())?.seq ?? -1,
    batch: async (seq) => {
      const b = await batches.getBatch(seq);
      return b && { header: b.header, signature: b.signature, publicKey: b.publicKey };
    },
  };
}

const Finding = Type.Object({
  type: Type.Enum(FINDING_TYPES as string[]),
  source: Type.Enum(['chain', 'gateway', 'both']),
  seq: Type.Integer(),
  severity: Type.Enum(['error', 'warning']),
  message: Type.String(),
});

/**
 * GET /v1/audit: the regulator's audit (core/src/audit) run by the gateway
 * against the chain it anchors on: every anchored batch, the seq/prev chain,
 * every header signature against the key registered for its seq, and the
 * batches it holds but has not anchored. The independent form is
 * `evidence audit`, which reads the chain from the regulator's own node.
 */
export const auditRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/v1/audit',
    {
      config: { permission: 'batch:read' },
      schema: {
        tags: ['audit'],
        summary: "Audit of the gateway's whole history against the chain / 监管审计",
        description:
          'Gaps, forks, bad signatures (incl. rotated-out keys), batches never anchored. Batches closed less than graceSeconds ago and not anchored are warnings. / 缺号、分叉、无效签名、未锚定批次。',
        querystring: Type.Object({ graceSeconds: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            gateway: Type.String(),
            anchored: Type.Integer(),
            closed: Type.Integer(),
            ok: Type.Boolean(),
            findings: Type.Array(Finding),
            counts: Type.Record(Type.String(), Type.Integer()),
          }),
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (req) => {
      if (!ctx.anchor) throw new GatewayError('CHAIN_NOT_CONFIGURED', 'this gateway anchors nowhere (ANCHOR=none): there is no chain to audit against');
      const { chain, served } = await collectViews(ctx.anchor, ctx.gatewayId, storeSource(ctx.batches));
      const graceSeconds = req.query.graceSeconds === undefined ? 600 : Number(req.query.graceSeconds);
      return auditGateway(chain, served, { graceMs: graceSeconds * 1000 });
    },
  );
};
