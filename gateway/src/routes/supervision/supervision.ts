import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVIDENCE_KINDS, LEAF_LENGTH, toHex } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { isGatewayError } from '../../errors.js';
import { recordDisclosure } from '../audit/record-disclosure.js';
import { errorResponses } from '../schemas.js';

const SUPERVISION = EVIDENCE_KINDS.supervision;

/**
 * GET /v1/supervision/feed?after=SEQ&limit=N: the provincial supervision
 * platform's feed (监管数据上报): anchored batch headers in order, each with
 * its SM2 signature and chain receipt, and the `supervision` evidence inside
 * it as proof bundles with the payload disclosed (the report the platform
 * itself received). Only anchored batches are listed, so a cursor never moves
 * past a batch whose anchor the platform has not seen; `next` is the cursor
 * of the following page.
 */
export const supervisionRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/v1/supervision/feed',
    {
      config: { permission: 'batch:read' },
      schema: {
        tags: ['audit'],
        summary: 'Supervision feed: anchored batch headers and supervision evidence since a cursor / 监管数据上报',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ pattern: '^(-1|[0-9]{1,15})$', description: 'Last seq already received (-1: from the start) / 已接收的最后批次号' })),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'Batches per page, 1..500 (default 50)' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            gateway: Type.Object({ code: Type.String(), id: Type.String(), publicKey: Type.String() }),
            anchoredHead: Type.Integer(),
            batches: Type.Array(
              Type.Object({
                seq: Type.Integer(),
                header: Type.Record(Type.String(), Type.Unknown()),
                headerHash: Type.String(),
                signature: Type.Object({ alg: Type.Literal('sm2'), publicKey: Type.String(), value: Type.String() }),
                anchor: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]),
                supervision: Type.Array(Type.Record(Type.String(), Type.Unknown(), { description: 'evidence-proof/1 bundle' })),
              }),
            ),
            next: Type.Integer({ description: 'Pass as `after` for the next page / 下一页游标' }),
            more: Type.Boolean(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (req) => {
      const after = req.query.after === undefined ? -1 : Number(req.query.after);
      const limit = Math.min(500, Math.max(1, req.query.limit === undefined ? 50 : Number(req.query.limit)));
      const head = await ctx.batches.anchoredHead();
      const last = Math.min(head, after + limit);
      const batches = [];
      for (let seq = after + 1; seq <= last; seq++) {
        const batch = await ctx.batches.getBatch(seq);
        if (!batch) break; // anchoredHead says it exists; a hole would be the audit's to report
        const reports: number[] = [];
        for (let i = 0; i < batch.header.size; i++) if (batch.leaves[i * LEAF_LENGTH + 1] === SUPERVISION) reports.push(i);
        const idAt = (i: number) => toHex(batch.leaves.subarray(i * LEAF_LENGTH + 2, i * LEAF_LENGTH + 18));
        const supervision = await ctx.proofs.anchoredBundles(batch, reports, (i) => disclosure(ctx, idAt(i)));
        const first = supervision[0];
        batches.push({
          seq,
          header: batch.header as unknown as Record<string, unknown>,
          headerHash: batch.headerHash,
          signature: { alg: 'sm2' as const, publicKey: batch.publicKey, value: batch.signature },
          // A batch anchored by a checkpoint names that checkpoint's transaction (its bundles carry the log proof).
          anchor: (batch.anchor ?? (first && 'log' in first ? first.anchor : ((await ctx.batches.anchoredCheckpointCovering(seq))?.anchor ?? null))) as Record<string, unknown> | null,
          supervision: supervision as unknown as Record<string, unknown>[],
        });
      }
      // The reports leave disclosed: recorded first (record-access), one event per patient.
      const disclosed = batches.flatMap((b) =>
        (b.supervision as unknown as { leaf: { id: string; subject: string }; disclosure: unknown }[]).filter((x) => x.disclosure !== null).map((x) => ({ id: x.leaf.id, subject: x.leaf.subject })),
      );
      const reader = { client: req.client!.id, roles: req.client!.roles };
      await recordDisclosure(ctx, reader, disclosed, 'supervision report / 监管数据上报', 'GET /v1/supervision/feed');
      const next = after + batches.length;
      return { gateway: { code: ctx.code, id: ctx.gatewayId, publicKey: ctx.publicKey }, anchoredHead: head, batches, next, more: next < head };
    },
  );
};

/** The report as sent, unless it was erased (then the bundle proves the commitment only). */
async function disclosure(ctx: GatewayContext, id: string): Promise<{ payload: unknown; salt: string } | null> {
  try {
    return await ctx.evidence.openPayload((await ctx.proofs.view(id)).record);
  } catch (e) {
    if (isGatewayError(e) && e.code === 'PAYLOAD_ERASED') return null;
    if ((e as { code?: string }).code === 'SM4_KEY_ERASED') return null;
    throw e;
  }
}
