import { Type } from 'typebox';
import { Enum, Ext, Millis, Sm3Hex, Strict, Text } from './common.js';

/** 5 prescription, 电子处方: one step of the prescription lifecycle. */
export const PrescriptionPayload = Type.Object(
  {
    prescriptionId: Text('Prescription number / 处方号', 64),
    state: Enum(
      ['issued', 'reviewed', 'rejected', 'paid', 'dispensed', 'delivered', 'received', 'cancelled'],
      'Lifecycle state: issued 开具, reviewed 审核, rejected 驳回, paid 缴费, dispensed 调配, delivered 配送, received 签收, cancelled 作废',
    ),
    at: Millis('When / 时间'),
    actor: Text('Who acted (practitioner, pharmacist, courier...) / 操作人', 64),
    actorRole: Enum(['doctor', 'pharmacist', 'patient', 'courier', 'system'], 'Role of the actor / 操作人角色'),
    contentDigest: Type.Optional(Sm3Hex('Digest of the prescription document / 处方内容摘要')),
    items: Type.Optional(
      Type.Array(
        Type.Object(
          { drugCode: Text('Drug code / 药品编码', 64), quantity: Type.Number({ exclusiveMinimum: 0 }), unit: Type.Optional(Text('Unit / 单位', 16)) },
          Strict,
        ),
        { maxItems: 100 },
      ),
    ),
    ext: Ext,
  },
  { ...Strict, title: 'prescription', description: 'E-prescription lifecycle step / 电子处方流转' },
);
