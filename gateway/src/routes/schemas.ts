import { Type } from 'typebox';
import { EVIDENCE_KINDS } from '@evidence/core';

/** Schemas shared by several routes. */
export const ErrorBody = Type.Object(
  { code: Type.String({ description: 'Stable error code / 错误码' }), message: Type.String() },
  { $id: 'ErrorBody', description: 'Every error / 所有错误' },
);

export const Hex = (bytes: number, description: string) => Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$`, description });

export const EvidenceId = Type.String({ minLength: 1, maxLength: 64, description: 'Evidence id (UUIDv7, 32 hex) / 存证编号' });

export const KindName = Type.Enum(Object.keys(EVIDENCE_KINDS) as (keyof typeof EVIDENCE_KINDS)[], {
  description: 'Evidence kind of spec section 3 / 存证类型',
});

export const LeafSchema = Type.Object(
  {
    v: Type.Integer(),
    kind: Type.Integer({ description: 'numeric kind code' }),
    id: Hex(16, 'UUIDv7'),
    gateway: Hex(32, 'gateway id'),
    subject: Hex(32, 'subject pseudonym'),
    ts: Type.Integer(),
    commitment: Hex(32, 'SM3(salt || JCS(payload))'),
  },
  { description: 'Leaf of spec section 4 / 叶子' },
);

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
