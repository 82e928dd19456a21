import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { MAX_PROOF } from './cosign.js';
import type { CosignRequest } from './types.js';

/**
 * The witness protocol (HTTP, JSON), shared by every witness (routing nodes,
 * standalone witnesses of regulators and courts) and the gateways that ask
 * them. Hex is lowercase without 0x, as everywhere in the spec; unknown fields
 * are refused rather than stripped, and nothing is coerced.
 */
const hex = (bytes: number, description: string) => Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$`, description });
const u64 = (description: string, minimum = 0) => Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, description });
const PublicKey = Type.String({ pattern: '^04[0-9a-f]{128}$', description: 'SM2 public key, 65 bytes / SM2 公钥' });

export const CheckpointSchema = Type.Object(
  {
    gateway: hex(32, 'gateway id / 网关标识'),
    alg: Type.Union([Type.Literal('keccak256'), Type.Literal('sm3')]),
    size: u64('batches in the log / 批次日志规模', 1),
    root: hex(32, 'log root at that size / 日志根'),
    ts: u64("the gateway's clock when it signed (ms) / 网关签名时间"),
  },
  { additionalProperties: false },
);

export const CheckpointSignatureSchema = Type.Object(
  { alg: Type.Literal('sm2'), publicKey: PublicKey, value: hex(64, 'SM2 r || s over checkpointBytes') },
  { additionalProperties: false },
);

export const CosignRequestSchema = Type.Object(
  {
    checkpoint: CheckpointSchema,
    signature: CheckpointSignatureSchema,
    from: u64('size of the last checkpoint this witness cosigned, as the gateway believes (0: none) / 上次副签的规模'),
    proof: Type.Array(hex(32, 'RFC 9162 consistency proof element'), { maxItems: MAX_PROOF }),
  },
  { additionalProperties: false },
);

export const CosignatureSchema = Type.Object(
  {
    witness: hex(32, 'witness id / 见证节点标识'),
    ts: u64("the witness's clock when it cosigned (ms)"),
    publicKey: PublicKey,
    value: hex(64, 'SM2 r || s over cosignatureBytes'),
  },
  { additionalProperties: false },
);

export const CosignResponseSchema = Type.Object({ cosignature: CosignatureSchema });

export const SignedCheckpointSchema = Type.Object({ checkpoint: CheckpointSchema, signature: CheckpointSignatureSchema });

export const WitnessedSchema = Type.Object({ checkpoint: CheckpointSchema, signature: CheckpointSignatureSchema, cosignature: CosignatureSchema });

export const ForkSchema = Type.Object({
  gateway: hex(32, 'gateway id'),
  first: SignedCheckpointSchema,
  second: SignedCheckpointSchema,
  detectedAt: u64("the witness's clock when it found the pair (ms)"),
  reason: Type.Union([Type.Literal('root'), Type.Literal('alg'), Type.Literal('consistency')]),
  proof: Type.Optional(Type.Array(hex(32, 'the consistency proof offered'))),
});

export const ForksResponseSchema = Type.Object({ forks: Type.Array(ForkSchema) });

export const ForksQuerySchema = Type.Object(
  {
    gateway: Type.Optional(hex(32, 'only this gateway')),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,4}$', description: 'at most this many, oldest first (default 1000)' })),
  },
  { additionalProperties: false },
);

export const GatewayParamsSchema = Type.Object({ gateway: hex(32, 'gateway id') });

export const WitnessInfoSchema = Type.Object({ id: hex(32, 'witness id'), publicKey: PublicKey, toleranceMs: Type.Integer({ minimum: 0 }) });

export const WitnessErrorSchema = Type.Object({ code: Type.String(), message: Type.String(), size: Type.Optional(Type.Integer({ minimum: 0 })) });

const cosignRequestValidator = Compile(CosignRequestSchema);

/** The schema check the HTTP route makes, for callers without HTTP (in-process use, the benchmark): true when `body` is a CosignRequest. */
export function isCosignRequest(body: unknown): body is CosignRequest {
  return cosignRequestValidator.Check(body);
}
