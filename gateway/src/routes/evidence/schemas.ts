import { Type } from 'typebox';
import { Hex, KindName, LeafSchema } from '../schemas.js';

export const Subject = Type.Union(
  [
    Type.Object({ idNumber: Type.String({ minLength: 1, maxLength: 64, description: 'Resident ID number; never stored, only its pseudonym / 身份证号（仅用于计算假名，不存储）' }) }, { additionalProperties: false }),
    Type.Object({ pseudonym: Hex(32, 'Subject pseudonym computed earlier / 已有假名') }, { additionalProperties: false }),
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

export const Accepted = Type.Object({
  id: Hex(16, 'evidence id'),
  leaf: LeafSchema,
  status: Type.Literal('pending'),
  duplicate: Type.Boolean({ description: 'true when an earlier request with the same idempotency key recorded it / 幂等重放' }),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
