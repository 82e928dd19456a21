import { Type } from 'typebox';
import { Enum, Ext, Millis, Strict, Text } from './common.js';

/** 3 appointment, 预约挂号: an appointment order and each change of its state. */
export const AppointmentPayload = Type.Object(
  {
    orderId: Text('Appointment order number / 挂号单号', 64),
    department: Text('Department / 科室', 128),
    practitioner: Type.Optional(Text('Practitioner id / 医生编号', 64)),
    scheduledAt: Millis('Appointment time / 就诊时间'),
    channel: Type.Optional(Enum(['text', 'voice', 'video', 'offline'], 'Consultation channel / 问诊方式')),
    state: Enum(['created', 'paid', 'checked-in', 'completed', 'cancelled', 'refunded', 'no-show'], 'New state / 状态'),
    changedAt: Millis('When the state changed / 状态变更时间'),
    ext: Ext,
  },
  { ...Strict, title: 'appointment', description: 'Appointment order and state change / 预约挂号及状态变更' },
);
