import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LEAF_LENGTH, toHex } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import { errorResponses } from '../schemas.js';

/** Batches for auditors: the chain of signed headers and which records each holds. */
export const batchRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/v1/batches',
    {
      config: { permission: 'batch:read' },
      schema: {
        tags: ['batches'],
        summary: 'Batch heads / 批次概况',
        response: { 200: Type.Object({ closed: Type.Integer(), anchored: Type.Integer(), pendingLeaves: Type.Integer() }), ...errorResponses(401, 403) },
      },
    },
    async () => ({
      closed: (await ctx.batches.head())?.seq ?? -1,
      anchored: await ctx.batches.anchoredHead(),
      pendingLeaves: ctx.batcher.waiting,
    }),
  );

  r.get(
    '/v1/batches/:seq',
    {
      config: { permission: 'batch:read' },
      schema: {
        tags: ['batches'],
        summary: 'One batch: header, signature, anchor, record ids / 单个批次',
        params: Type.Object({ seq: Type.String({ pattern: '^[0-9]{1,15}$' }) }),
        response: {
          200: Type.Object({
            header: Type.Record(Type.String(), Type.Unknown()),
            headerHash: Type.String(),
            signature: Type.Object({ alg: Type.Literal('sm2'), publicKey: Type.String(), value: Type.String() }),
            anchored: Type.Boolean(),
            anchoredAt: Type.Union([Type.Null(), Type.Integer({ description: 'When the gateway recorded it as anchored (ms)' })]),
            anchor: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]),
            checkpointSize: Type.Union([Type.Null(), Type.Integer({ description: 'Size of the anchored checkpoint that anchored it / 锚定它的检查点大小' })]),
            ids: Type.Array(Type.String()),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const batch = await ctx.batches.getBatch(Number(req.params.seq));
      if (!batch) throw new GatewayError('BATCH_NOT_FOUND', `no batch ${req.params.seq}`);
      const ids: string[] = [];
      for (let o = 0; o < batch.leaves.length; o += LEAF_LENGTH) ids.push(toHex(batch.leaves.subarray(o + 2, o + 18)));
      // Batches of the log are anchored by the first anchored checkpoint that includes them.
      const checkpoint = batch.anchored ? null : await ctx.batches.anchoredCheckpointCovering(batch.header.seq);
      return {
        header: batch.header as unknown as Record<string, unknown>,
        headerHash: batch.headerHash,
        signature: { alg: 'sm2' as const, publicKey: batch.publicKey, value: batch.signature },
        anchored: batch.anchored || checkpoint !== null,
        anchoredAt: batch.anchoredAt ?? checkpoint?.anchoredAt ?? null,
        anchor: (batch.anchor ?? checkpoint?.anchor ?? null) as Record<string, unknown> | null,
        checkpointSize: checkpoint?.checkpoint.size ?? null,
        ids,
      };
    },
  );
};
