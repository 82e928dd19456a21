import type { EvidenceKindName } from '../kinds.js';
import { isKnownKind, kindName } from '../kinds.js';

/**
 * Each evidence kind of spec section 3 in Chinese, with the regulation the
 * record serves. Keyed by kinds.ts's names, so the codes live in one place
 * and a kind added there without a name here fails to compile.
 */
export const KIND_TEXT: Record<EvidenceKindName, { zh: string; regulation: string }> = {
  registration: { zh: '挂号', regulation: '《互联网诊疗管理办法（试行）》' },
  'followup-eligibility': { zh: '复诊资格核验', regulation: '《互联网诊疗管理办法（试行）》（互联网诊疗限于常见病、慢性病复诊）' },
  appointment: { zh: '预约', regulation: '《互联网医院管理办法（试行）》' },
  signature: { zh: '电子签名', regulation: '《中华人民共和国电子签名法》' },
  prescription: { zh: '电子处方', regulation: '《处方管理办法》《互联网诊疗监管细则（试行）》' },
  'record-access': { zh: '病历调阅', regulation: '《医疗机构病历管理规定》《电子病历应用管理规范（试行）》' },
  consultation: { zh: '问诊记录', regulation: '《互联网诊疗监管细则（试行）》' },
  payment: { zh: '费用结算', regulation: '《医疗保障基金使用监督管理条例》' },
  consent: { zh: '知情同意', regulation: '《中华人民共和国个人信息保护法》' },
  credential: { zh: '执业资质', regulation: '《医师执业注册管理办法》' },
  'hop-trace': { zh: '跨机构调用轨迹', regulation: '《互联网医院管理办法（试行）》《中华人民共和国数据安全法》' },
  supervision: { zh: '监管上报', regulation: '《互联网诊疗监管细则（试行）》' },
};

/** "5 电子处方 prescription（《处方管理办法》…）", or the bare code for a kind the format does not define. */
export function kindLabel(code: number): { zh: string; en: string; regulation: string } {
  if (!isKnownKind(code)) return { zh: `未定义类型 ${code}`, en: `undefined kind ${code}`, regulation: '' };
  const name = kindName(code);
  return { zh: KIND_TEXT[name].zh, en: name, regulation: KIND_TEXT[name].regulation };
}
