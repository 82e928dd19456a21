import { Type } from 'typebox';
import { Enum, Ext, Millis, Strict, Text } from './common.js';

/** 8 payment, 支付结算: a payment, refund, settlement or insurance claim. */
export const PaymentPayload = Type.Object(
  {
    transactionId: Text('Transaction number / 交易流水号', 64),
    type: Enum(['payment', 'refund', 'settlement', 'insurance-claim'], 'Kind of money movement / 类型'),
    // A decimal string, never a float: amounts must survive JCS byte for byte.
    amount: Type.String({ pattern: '^-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,2})?$', description: 'Amount in yuan, e.g. "12.50" / 金额(元)' }),
    currency: Type.Literal('CNY'),
    status: Enum(['succeeded', 'failed', 'pending'], 'Outcome / 状态'),
    method: Type.Optional(Enum(['wechat', 'alipay', 'unionpay', 'medical-insurance', 'cash', 'other'], 'Channel / 支付方式')),
    orderId: Type.Optional(Text('Order paid for / 关联订单', 64)),
    insurer: Type.Optional(Text('Insurer for claims / 保险机构', 128)),
    at: Millis('When / 时间'),
    ext: Ext,
  },
  { ...Strict, title: 'payment', description: 'Payment, refund, settlement, claim / 支付、退费、结算、理赔' },
);
