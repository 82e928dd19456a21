import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 9 consent, 授权: a patient's grant or revocation of access. */
export const ConsentPayload = Type.Object(
  {
    action: Enum(['grant', 'revoke'], 'Grant or revoke / 授权或撤销'),
    grantee: Text('Who receives access / 被授权方', 128),
    granteeType: Enum(['insurer', 'institution', 'practitioner', 'researcher', 'regulator', 'other'], 'Kind of grantee / 被授权方类型'),
    scope: Type.Array(Text('Scope item, e.g. "prescription" / 授权范围', 64), { minItems: 1, maxItems: 32 }),
    purpose: Type.Optional(Text('Purpose / 用途', 512)),
    at: Millis('When / 时间'),
    expiresAt: Type.Optional(Millis('When the grant ends / 到期时间')),
    documentDigest: Type.Optional(Sm3Hex('Digest of the signed consent / 授权书摘要')),
    ext: Ext,
  },
  { ...Strict, title: 'consent', description: 'Access grant or revocation / 患者授权与撤销' },
);
