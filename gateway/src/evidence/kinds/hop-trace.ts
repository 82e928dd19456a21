import { Type } from 'typebox';
import { Strict } from './common.js';

/**
 * 11 hop-trace, 跨机构调用轨迹: the signed hop chain of spec section 7. Hops are
 * kept as the routing nodes produced them (the remote plugin records them);
 * the trace verifier, not this schema, decides whether they are valid.
 */
export const HopTracePayload = Type.Object(
  {
    requestId: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Request id (16 bytes hex) / 请求编号' }),
    hops: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 64, description: 'Signed hops / 签名跳' }),
    request: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    response: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { ...Strict, title: 'hop-trace', description: 'Signed routing trace / 跨机构调用签名轨迹' },
);
