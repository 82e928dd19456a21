import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 12 supervision, 监管上报: data reported to a regulator's supervision platform. */
export const SupervisionPayload = Type.Object(
  {
    platform: Text('Supervision platform / 监管平台', 128),
    reportType: Text('Report type / 上报类型', 64),
    reportId: Text('Report id / 上报编号', 64),
    period: Type.Optional(Type.Object({ from: Millis('Start / 起'), to: Millis('End / 止') }, Strict)),
    digest: Sm3Hex('Digest of the data as sent / 上报数据摘要'),
    reportedAt: Millis('When / 上报时间'),
    status: Enum(['submitted', 'accepted', 'rejected'], 'Platform response / 平台回执'),
    ext: Ext,
  },
  { ...Strict, title: 'supervision', description: 'Regulator supervision report / 监管平台上报' },
);
