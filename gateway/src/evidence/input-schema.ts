import { Type, type TSchema } from 'typebox';
import { EVIDENCE_KINDS } from '@evidence/core';

/**
 * What an event must look like on the way in (the request step), as JSON
 * Schema: the intake validates bodies against these wherever it runs, and the
 * routes document them at /docs.
 */
const KindName = Type.Enum(Object.keys(EVIDENCE_KINDS) as (keyof typeof EVIDENCE_KINDS)[], {
  description: 'Evidence kind of spec section 3 / 存证类型',
});

export const Subject = Type.Union(
  [
    Type.Object({ idNumber: Type.String({ minLength: 1, maxLength: 64, description: 'Resident ID number; never stored, only its pseudonym / 身份证号（仅用于计算假名，不存储）' }) }, { additionalProperties: false }),
    Type.Object({ pseudonym: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Subject pseudonym computed earlier / 已有假名' }) }, { additionalProperties: false }),
  ],
  { description: 'The patient / 患者' },
);

export const EvidenceInput = Type.Object(
  {
    kind: KindName,
    subject: Subject,
    payload: Type.Unknown({
      description: 'Shape depends on kind: see GET /v1/kinds and the payload.* schemas / 载荷格式依类型而定，见 GET /v1/kinds',
    }),
    occurredAt: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'When it happened, ms / 发生时间(毫秒)' })),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Retry-safe key / 幂等键' })),
  },
  { additionalProperties: false },
);

/** The body of POST /v1/evidence/batch. */
export const bulkBodySchema = (maxItems: number): TSchema =>
  Type.Object({ items: Type.Array(EvidenceInput, { minItems: 1, maxItems }) }, { additionalProperties: false });
