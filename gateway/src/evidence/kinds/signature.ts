import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 4 signature, 电子签名: who signed which document, in which role, when. */
export const SignaturePayload = Type.Object(
  {
    signer: Text('Signer id / 签名人编号', 64),
    role: Enum(['doctor', 'pharmacist', 'nurse', 'patient', 'other'], 'Signer role / 签名人角色'),
    documentType: Enum(['prescription', 'medical-record', 'consent', 'report', 'other'], 'Signed document type / 文书类型'),
    documentId: Type.Optional(Text('Signed document id / 文书编号', 128)),
    documentDigest: Sm3Hex('Digest of the signed document / 文书摘要'),
    signedAt: Millis('Signature time (trusted timestamp) / 签名时间'),
    algorithm: Type.Optional(Enum(['sm2', 'rsa', 'ecdsa'], 'Signature algorithm / 签名算法')),
    certificateSerial: Type.Optional(Text('Signing certificate serial / 证书序列号', 128)),
    signatureValue: Type.Optional(Type.String({ maxLength: 4096, description: 'The signature itself, hex or base64 / 签名值' })),
    ext: Ext,
  },
  { ...Strict, title: 'signature', description: "A doctor's or pharmacist's e-signature / 医师药师电子签名" },
);
