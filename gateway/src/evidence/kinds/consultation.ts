import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 7 consultation, 在线问诊: digests of the text, voice and video record of a consultation. */
export const ConsultationPayload = Type.Object(
  {
    consultationId: Text('Consultation id / 问诊单号', 64),
    mode: Enum(['text', 'voice', 'video'], 'Mode / 问诊方式'),
    practitioner: Text('Practitioner id / 医生编号', 64),
    startedAt: Millis('Start / 开始时间'),
    endedAt: Type.Optional(Millis('End / 结束时间')),
    digests: Type.Array(
      Type.Object(
        {
          type: Enum(['transcript', 'audio', 'video', 'image', 'attachment', 'summary'], 'What was recorded / 记录类型'),
          sm3: Sm3Hex('Digest of the stored file / 文件摘要'),
          size: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        Strict,
      ),
      { minItems: 1, maxItems: 256, description: 'Record files by digest / 问诊记录摘要' },
    ),
    ext: Ext,
  },
  { ...Strict, title: 'consultation', description: 'Consultation record digests / 问诊记录摘要' },
);
