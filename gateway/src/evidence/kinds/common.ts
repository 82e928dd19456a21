import { Type } from 'typebox';

/** Shared pieces of the payload shapes. Times are ms since the Unix epoch, as in the leaf. */
export const Millis = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
export const Sm3Hex = (description: string) => Type.String({ pattern: '^[0-9a-f]{64}$', description: `${description} (SM3, 64 lowercase hex)` });
export const Text = (description: string, maxLength = 256) => Type.String({ minLength: 1, maxLength, description });
export const Enum = <const T extends readonly string[]>(values: T, description: string) => Type.Enum(values, { description });
/** Institution-specific fields that the shape does not name go here, so typos elsewhere are refused. */
export const Ext = Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Institution-specific extra fields / 机构自定义扩展字段' }));
export const Strict = { additionalProperties: false } as const;
