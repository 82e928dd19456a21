import { Type } from 'typebox';
import { Hex, LeafSchema } from '../schemas.js';

// The input schemas belong to the intake (evidence/input-schema.ts); the routes document them.
export { EvidenceInput, Subject } from '../../evidence/input-schema.js';

export const Accepted = Type.Object({
  id: Hex(16, 'evidence id'),
  leaf: LeafSchema,
  status: Type.Literal('pending'),
  duplicate: Type.Boolean({ description: 'true when an earlier request with the same idempotency key recorded it / 幂等重放' }),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
