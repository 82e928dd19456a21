import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { kindName } from '@evidence/core';
import { ConsentScope, consentScopeOf } from '../../auth/consent-scope.js';
import { allows } from '../../auth/roles.js';
import type { GatewayContext } from '../../context.js';
import { GatewayError } from '../../errors.js';
import { purposeOf, recordDisclosure } from '../audit/record-disclosure.js';
import { errorResponses, LeafSchema } from '../schemas.js';
import { IdParams } from './schemas.js';

/** Status, proof and erasure of one record. */
export const readRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/v1/evidence/:id',
    {
      config: { permission: 'evidence:read' },
      schema: {
        tags: ['evidence'],
        summary: 'Status of a record / 存证状态',
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            kind: Type.String(),
            status: Type.Union([Type.Literal('pending'), Type.Literal('batched'), Type.Literal('anchored')]),
            leaf: LeafSchema,
            receivedAt: Type.Integer(),
            payloadErased: Type.Boolean(),
            batch: Type.Union([
              Type.Null(),
              Type.Object({
                seq: Type.Integer(),
                index: Type.Integer(),
                root: Type.String(),
                anchored: Type.Boolean(),
                anchor: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]),
              }),
            ]),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      const v = await ctx.proofs.view(req.params.id);
      await consentScopeOf(ctx).require(req.client!, v.leaf, v.record.id);
      return {
        id: v.record.id,
        kind: kindName(v.leaf.kind),
        status: v.status,
        leaf: v.leaf,
        receivedAt: v.record.receivedAt,
        payloadErased: v.record.erasedAt !== undefined,
        batch:
          v.batch && v.location
            ? {
                seq: v.location.seq,
                index: v.location.index,
                root: v.batch.header.root,
                anchored: v.status === 'anchored',
                anchor: (v.batch.anchor ?? (await ctx.batches.anchoredCheckpointCovering(v.location.seq))?.anchor ?? null) as Record<string, unknown> | null,
              }
            : null,
      };
    },
  );

  r.get(
    '/v1/evidence/:id/proof',
    {
      config: { permission: 'proof:read' },
      schema: {
        tags: ['evidence'],
        summary: 'Proof bundle (spec sections 8 and 12) / 证明包',
        description:
          'An evidence-proof/2 bundle naming the first anchored checkpoint that includes the batch (it never changes once issued); ' +
          'evidence-proof/1 for a batch anchored on its own before the batch log. While no such checkpoint is anchored: 409 PROOF_PENDING with Retry-After, ' +
          'or with ?pending=true the v2 bundle of the latest signed checkpoint with anchor null. ?disclose=true adds payload and salt (discloser or court role). / ' +
          '返回包含该批次的首个已锚定检查点的 v2 证明包（签发后不再变化）；未锚定时返回 409 与 Retry-After，pending=true 时返回最新签名检查点、anchor 为 null 的证明包；disclose=true 需披露权限。',
        params: IdParams,
        querystring: Type.Object(
          {
            disclose: Type.Optional(Type.Enum(['true', 'false'])),
            pending: Type.Optional(Type.Enum(['true', 'false'])),
            purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Why the payload is read, recorded with the disclosure (record-access) / 调阅目的' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Record(Type.String(), Type.Unknown(), { description: 'evidence-proof/2 (or /1) bundle' }), ...errorResponses(401, 403, 404, 409, 410) },
      },
    },
    async (req, reply) => {
      const disclose = req.query.disclose === 'true';
      if (disclose && !allows(req.client!.roles, 'payload:disclose')) {
        throw new GatewayError('AUTH_FORBIDDEN', `client ${req.client!.id} may read proofs but not disclosed payloads`);
      }
      if (ConsentScope.binds(req.client!)) {
        const v = await ctx.proofs.view(req.params.id);
        await consentScopeOf(ctx).require(req.client!, v.leaf, v.record.id);
      }
      const bundle = await ctx.proofs.bundle(req.params.id, disclose, { pending: req.query.pending === 'true' });
      // Every payload that leaves is recorded first (record-access: who, what, why).
      if (disclose) {
        const reader = { client: req.client!.id, roles: req.client!.roles };
        const [access] = await recordDisclosure(ctx, reader, [{ id: bundle.leaf.id, subject: bundle.leaf.subject }], purposeOf(req.query.purpose, reader.roles), 'GET /v1/evidence/:id/proof?disclose=true');
        // The reader can fetch the proof of its own access record later.
        void reply.header('x-evidence-access-record', access);
      }
      return bundle as unknown as Record<string, unknown>;
    },
  );

  r.delete(
    '/v1/evidence/:id/payload',
    {
      config: { permission: 'payload:erase' },
      schema: {
        tags: ['evidence'],
        summary: 'Erase the payload (right to erasure) / 删除载荷（被遗忘权）',
        description: 'Erases the per-record key, ciphertext and salt; the leaf and its proof of the commitment remain. / 删除密钥、密文与盐，叶子与承诺证明保留。',
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), erased: Type.Literal(true) }), ...errorResponses(401, 403, 404) },
      },
    },
    async (req) => {
      await ctx.proofs.view(req.params.id); // 404 for unknown or malformed ids
      await ctx.evidence.erase(req.params.id);
      return { id: req.params.id, erased: true as const };
    },
  );
};
