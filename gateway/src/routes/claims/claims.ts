import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVIDENCE_KINDS } from '@evidence/core';
import type { GatewayContext } from '../../context.js';
import { buildClaimPackage } from '../../people/claim-package.js';
import { grantConsentOnChain } from '../../people/consent-grant.js';
import { closeRegistries } from '../../people/registries.js';
import { requireRole } from '../../people/require-role.js';
import { errorResponses, Hex, KindName } from '../schemas.js';

const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'EVM account / 链上账户' });
const Id = Hex(16, 'Evidence id / 存证编号');
const Tx = Type.Object({ txHash: Type.String(), blockNumber: Type.Integer() });

/**
 * Insurers (保险理赔):
 *   POST /v1/consents/grants   the hospital's system puts a patient's recorded consent on chain (ConsentRegistry)
 *   POST /v1/claims/package    an insurer, signing with the account the consent names, gets the disclosed
 *                              items with their proofs and the arguments of ClaimVerifier.submitClaim
 */
export const claimRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onClose', () => closeRegistries(ctx));

  r.post(
    '/v1/consents/grants',
    {
      config: { permission: 'evidence:write' },
      schema: {
        tags: ['claims'],
        summary: "Put a patient's recorded consent on chain / 患者授权上链",
        description:
          'The consent evidence must be anchored (409 PROOF_PENDING before), name the grantee account (grantee or ext.granteeAccount) and cover the kinds. / 授权存证须已锚定，且与请求一致。',
        body: Type.Object(
          {
            evidenceId: Id,
            grantee: Address,
            kinds: Type.Array(KindName, { minItems: 1, maxItems: Object.keys(EVIDENCE_KINDS).length, uniqueItems: true }),
            expiresAt: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ evidenceId: Type.String(), grantee: Type.String(), kinds: Type.Array(Type.String()), expiresAt: Type.Integer(), tx: Tx }),
          ...errorResponses(400, 401, 403, 404, 409, 410, 502, 503),
        },
      },
    },
    async (req, reply) => {
      const { expiresAt, tx } = await grantConsentOnChain(ctx, req.body);
      return reply.status(201).send({ evidenceId: req.body.evidenceId, grantee: req.body.grantee.toLowerCase(), kinds: req.body.kinds, expiresAt, tx });
    },
  );

  r.post(
    '/v1/claims/package',
    {
      config: { permission: 'proof:read' },
      preHandler: requireRole('insurer'),
      schema: {
        tags: ['claims'],
        summary: 'Claim package for an insurer / 理赔材料包',
        description:
          'Signed (EIP-191) by the insurer account the patient consented to; items disclosed with proofs once the consent is active on chain. Submit with `evidence claim submit`. / 需保险公司账户签名，患者授权有效时返回披露材料与证明。',
        body: Type.Object(
          {
            insurer: Address,
            evidenceIds: Type.Array(Id, { minItems: 1, maxItems: 64 }),
            claimId: Type.Optional(Hex(32, 'Claim id / 理赔编号')),
            issuedAt: Type.Integer({ minimum: 0 }),
            signature: Type.String({ pattern: '^0x[0-9a-fA-F]{130}$' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Record(Type.String(), Type.Unknown(), { description: 'evidence-claim/1 package' }), ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (req) => buildClaimPackage(ctx, req.body, req.client!.id) as unknown as Record<string, unknown>,
  );
};
