import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { GatewayContext } from '../../context.js';
import { changeCredential, credentialView, issueCredential } from '../../people/credentials.js';
import { pharmacistReviewHandler } from '../../people/pharmacist-review.js';
import { closeRegistries } from '../../people/registries.js';
import { requireRole } from '../../people/require-role.js';
import { errorResponses, Hex } from '../schemas.js';

const Identity = {
  practitionerId: Type.String({ minLength: 1, maxLength: 64, description: 'Practitioner id / 医务人员编号' }),
  credentialType: Type.Enum(['physician-license', 'practice-certificate', 'pharmacist-license', 'nurse-license', 'title', 'other'], { description: 'Credential type / 资质类型' }),
  number: Type.String({ minLength: 1, maxLength: 64, description: 'Certificate number / 证书编号' }),
  issuer: Type.String({ minLength: 1, maxLength: 128, description: 'Issuing authority / 发证机关' }),
};
const Change = Type.Object({
  credentialId: Type.String(),
  status: Type.String(),
  evidenceId: Type.String(),
  tx: Type.Union([Type.Null(), Type.Object({ txHash: Type.String(), blockNumber: Type.Integer() })]),
});
const adminOnly = { config: { permission: 'evidence:read' as const }, preHandler: requireRole('admin') };

/**
 * Practitioner credentials (执业资格), managed by the institution's admin:
 * each change written to CredentialRegistry and recorded as `credential`
 * evidence. With a credential registry configured the gateway also answers
 * the published review service (REVIEW_SERVICE, default rx.review) itself,
 * checking the reviewing pharmacist's credential on chain.
 */
export const credentialRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onClose', () => closeRegistries(ctx));
  if (ctx.config.EVM_CREDENTIAL_REGISTRY) ctx.serviceHandlers.set(ctx.config.REVIEW_SERVICE, pharmacistReviewHandler(ctx));

  r.post(
    '/v1/credentials',
    {
      ...adminOnly,
      schema: {
        tags: ['credentials'],
        summary: 'Issue a practitioner credential / 签发执业资格',
        body: Type.Object(
          {
            ...Identity,
            role: Type.Enum(['doctor', 'pharmacist', 'nurse', 'technician'], { description: 'Role on chain / 链上角色' }),
            validFrom: Type.Optional(Type.Integer({ minimum: 0 })),
            validUntil: Type.Integer({ minimum: 1 }),
            licenceDigest: Type.Optional(Hex(32, 'SM3 of the licence document / 执照文件摘要')),
          },
          { additionalProperties: false },
        ),
        response: { 201: Change, ...errorResponses(400, 401, 403, 409, 502, 503) },
      },
    },
    async (req, reply) => reply.status(201).send(await issueCredential(ctx, req.body, req.client!.id)),
  );

  for (const [path, action] of [
    ['/v1/credentials/suspend', 'suspended'],
    ['/v1/credentials/revoke', 'revoked'],
  ] as const) {
    r.post(
      path,
      {
        ...adminOnly,
        schema: {
          tags: ['credentials'],
          summary: action === 'suspended' ? 'Suspend a credential / 暂停执业资格' : 'Revoke a credential / 吊销执业资格',
          body: Type.Object({ ...Identity, reason: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) }, { additionalProperties: false }),
          response: { 200: Change, ...errorResponses(400, 401, 403, 404, 409, 502, 503) },
        },
      },
      async (req) => changeCredential(ctx, action, req.body, req.client!.id),
    );
  }

  r.get(
    '/v1/credentials/:credentialId',
    {
      config: { permission: 'evidence:read' },
      schema: {
        tags: ['credentials'],
        summary: "A credential's status, now or at a time / 执业资格状态",
        params: Type.Object({ credentialId: Hex(32, 'Credential id') }),
        querystring: Type.Object({ at: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (req) => credentialView(ctx, req.params.credentialId, req.query.at === undefined ? undefined : Number(req.query.at)),
  );
};
