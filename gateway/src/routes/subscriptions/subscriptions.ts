import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EvidenceKindName } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { errorResponses, KindName } from '../schemas.js';

const SubscriptionView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  kinds: Type.Array(Type.String()),
  client: Type.String(),
  createdAt: Type.Integer(),
});

/** Webhook subscriptions: proofs are pushed when evidence is anchored. Admins see everyone's. */
export const subscriptionRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const scope = (roles: readonly string[], id: string): string | null => (roles.includes('admin') ? null : id);

  r.post(
    '/v1/subscriptions',
    {
      config: { permission: 'subscription:manage' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Subscribe to anchored proofs / 订阅锚定证明推送',
        description:
          'Each delivery is POSTed with X-Evidence-Delivery, X-Evidence-Timestamp and X-Evidence-Signature (SM2 by the gateway key, see GET /v1/gateway) and retried until 2xx. / 推送带网关 SM2 签名，失败重试。',
        body: Type.Object(
          {
            url: Type.String({ minLength: 8, maxLength: 2048, description: 'http(s) URL receiving POSTs' }),
            kinds: Type.Optional(Type.Array(KindName, { maxItems: 12, description: 'Kinds to receive; empty or absent: all / 类型过滤' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: SubscriptionView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const s = await ctx.subscriptions.create(req.client!.id, req.body.url, (req.body.kinds ?? []) as EvidenceKindName[]);
      return reply.status(201).send(s);
    },
  );

  r.get(
    '/v1/subscriptions',
    {
      config: { permission: 'subscription:manage' },
      schema: { tags: ['subscriptions'], summary: 'List subscriptions / 订阅列表', response: { 200: Type.Array(SubscriptionView), ...errorResponses(401, 403) } },
    },
    async (req) => ctx.subscriptions.list(scope(req.client!.roles, req.client!.id)),
  );

  r.delete(
    '/v1/subscriptions/:id',
    {
      config: { permission: 'subscription:manage' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Delete a subscription / 取消订阅',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await ctx.subscriptions.remove(req.params.id, scope(req.client!.roles, req.client!.id));
      return reply.status(204).send(null);
    },
  );
};
