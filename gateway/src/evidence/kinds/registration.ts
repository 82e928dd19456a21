import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 1 registration, 患者实名注册: real-name check, consent agreement, media file digests. */
export const RegistrationPayload = Type.Object(
  {
    patientId: Type.Optional(Text('Patient number in the hospital system / 院内患者号', 64)),
    realNameCheck: Type.Object(
      {
        method: Enum(['id-card-ocr', 'face-recognition', 'public-security', 'bank-card', 'in-person', 'other'], 'How identity was checked / 实名核验方式'),
        result: Enum(['passed', 'failed'], 'Outcome / 核验结果'),
        checkedAt: Millis('When / 核验时间'),
        provider: Type.Optional(Text('Verification service / 核验服务方')),
        reference: Type.Optional(Text('Reference number at the provider / 核验流水号')),
      },
      Strict,
    ),
    consent: Type.Object(
      {
        agreementId: Text('Agreement identifier / 知情同意书编号', 64),
        version: Text('Agreement version / 版本', 32),
        digest: Sm3Hex('Digest of the signed agreement / 已签协议摘要'),
        signedAt: Millis('When the patient signed / 签署时间'),
      },
      Strict,
    ),
    media: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Enum(['id-card-front', 'id-card-back', 'face', 'video', 'audio', 'document', 'other'], 'What the file is / 文件类型'),
            mediaType: Type.Optional(Text('MIME type', 128)),
            sm3: Sm3Hex('File digest / 文件摘要'),
            size: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          Strict,
        ),
        { maxItems: 64, description: 'Media files kept by the hospital, by digest / 影像资料摘要' },
      ),
    ),
    ext: Ext,
  },
  { ...Strict, title: 'registration', description: 'Patient real-name registration / 患者实名注册' },
);
