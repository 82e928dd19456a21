import { Type } from 'typebox';
import { Enum, Ext, Millis, Strict, Text } from './common.js';

/** 10 credential, 执业资质: a practitioner credential issued, renewed, suspended or revoked. */
export const CredentialPayload = Type.Object(
  {
    practitionerId: Text('Practitioner id / 医务人员编号', 64),
    credentialType: Enum(
      ['physician-license', 'practice-certificate', 'pharmacist-license', 'nurse-license', 'title', 'other'],
      'Credential type / 资质类型',
    ),
    number: Text('Certificate number / 证书编号', 64),
    action: Enum(['issued', 'renewed', 'suspended', 'revoked'], 'What happened / 变更'),
    issuer: Text('Issuing authority / 发证机关', 128),
    at: Millis('When / 时间'),
    validUntil: Type.Optional(Millis('Expiry / 有效期至')),
    ext: Ext,
  },
  { ...Strict, title: 'credential', description: 'Practitioner credential change / 医务人员执业资质变更' },
);
