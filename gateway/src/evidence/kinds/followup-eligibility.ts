import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 2 followup-eligibility, 复诊资格: the prior diagnosis and source record that allow an online follow-up. */
export const FollowupEligibilityPayload = Type.Object(
  {
    priorDiagnosis: Type.Object(
      {
        code: Text('Diagnosis code / 诊断编码', 32),
        system: Type.Optional(Text('Code system, e.g. ICD-10 / 编码体系', 32)),
        display: Type.Optional(Text('Diagnosis name / 诊断名称')),
        diagnosedAt: Millis('When it was diagnosed / 首诊时间'),
        institution: Text('Institution that diagnosed it / 首诊机构', 128),
      },
      Strict,
    ),
    sourceRecord: Type.Object(
      {
        type: Enum(['outpatient', 'inpatient', 'emr', 'other'], 'Kind of source record / 来源病历类型'),
        recordId: Text('Record identifier / 病历号', 128),
        digest: Sm3Hex('Digest of the source record / 病历摘要'),
      },
      Strict,
    ),
    decision: Type.Object(
      {
        result: Enum(['eligible', 'ineligible'], 'Decision / 判定结果'),
        reason: Type.Optional(Text('Why / 理由', 1024)),
        decidedBy: Text('Practitioner id, or "system" / 判定人', 64),
        decidedAt: Millis('When / 判定时间'),
      },
      Strict,
    ),
    ext: Ext,
  },
  { ...Strict, title: 'followup-eligibility', description: 'Follow-up visit eligibility / 复诊资格核验' },
);
