import type { VerificationStep } from '../bundle/types.js';

/** What a result means and what to do next, in plain Chinese first and English beside it. */
export interface Meaning {
  zh: string;
  en: string;
  nextZh: string;
  nextEn: string;
}

const ALTERED_NEXT = { nextZh: '不要采信本文件；联系出具机构核实，必要时申请司法鉴定', nextEn: 'do not rely on this file; ask the issuing institution, and if needed apply for a forensic examination' };

/** Failed steps of a bundle verdict, by the step named in `failedStep` (and the anchor's reason). */
const BUNDLE_MEANINGS: Record<string, Meaning> = {
  unreadable: { zh: '无法读取文件：证据本身未被核验', en: 'the file could not be read: the evidence itself was not checked', nextZh: '检查文件路径和读取权限后重试', nextEn: 'check the path and permissions and try again' },
  format: { zh: '这不是可识别的证明包（格式不符或文件已损坏）', en: 'this is not a proof bundle this verifier knows (wrong format or a damaged file)', nextZh: '向出具机构索取原始证明包文件', nextEn: 'ask the issuing institution for the original proof bundle' },
  malformed: { zh: '证明包结构损坏', en: 'the proof bundle is malformed', nextZh: '向出具机构索取原始证明包文件', nextEn: 'ask the issuing institution for the original proof bundle' },
  disclosure: { zh: '披露的内容与存证时不一致，可能被改动', en: 'the disclosed content differs from what was recorded: it may have been altered', ...ALTERED_NEXT },
  leaf: { zh: '证据记录与所在批次不符，可能被替换', en: 'the record does not belong to its batch: it may have been swapped', ...ALTERED_NEXT },
  inclusion: { zh: '证据不在机构签名的批次中，可能被伪造或替换', en: 'the record is not in the batch the institution signed: it may be forged or swapped', ...ALTERED_NEXT },
  signature: { zh: '批次签名不成立：文件被改动，或并非由所附密钥签署', en: 'the batch signature does not verify: the file was altered or not signed with the key it carries', ...ALTERED_NEXT },
  log: { zh: '批次不在机构日志中所声明的位置，可能被改写', en: 'the batch is not where the file says in the institution\'s log: it may have been rewritten', ...ALTERED_NEXT },
  checkpoint: { zh: '日志检查点的签名不成立，可能被改动', en: 'the log checkpoint\'s signature does not verify: it may have been altered', ...ALTERED_NEXT },
  cosignature: { zh: '见证人的联署签名不成立，可能被伪造', en: 'a witness cosignature does not verify: it may be forged', ...ALTERED_NEXT },
  witnesses: { zh: '受信见证人的联署不足，无法确认其他机构见证过这份记录', en: 'too few trusted witnesses cosigned: no one else is shown to have seen this record', nextZh: '向监管机构确认受信见证人名单；联系出具机构', nextEn: 'confirm the trusted witnesses with the regulator; ask the issuing institution' },
  trust: { zh: '签名密钥不是该机构登记的密钥，可能是伪造的证明包', en: "the signing key is not the institution's registered key: the bundle may be forged", nextZh: '不要采信；联系出具机构和监管机构核实，必要时申请司法鉴定', nextEn: 'do not rely on it; ask the issuing institution and the regulator, and if needed apply for a forensic examination' },
  'anchor:not-anchored': { zh: '链上没有这份记录的锚定：它可能从未上链，或被伪造', en: 'the chain holds no anchor of this record: it was never anchored, or it is forged', nextZh: '联系出具机构询问上链情况；核对所用链是否正确', nextEn: 'ask the issuing institution whether it was anchored; check that this is the right chain' },
  'anchor:root-mismatch': { zh: '链上记录与文件不一致，文件可能被改动', en: 'the chain records another root: the file may have been altered', ...ALTERED_NEXT },
  'anchor:key-mismatch': { zh: '签名密钥与链上登记的机构密钥不符，可能是伪造的证明包', en: "the signing key is not the one the chain registers for the institution: the bundle may be forged", ...ALTERED_NEXT },
  'anchor:witness-key-mismatch': { zh: '见证签名的密钥与链上登记的见证人密钥不符', en: 'a cosignature is not made with the key the chain registers for that witness', ...ALTERED_NEXT },
  'anchor:unreachable': { zh: '无法连接区块链，本次未能核验锚定', en: 'the chain could not be reached: the anchor was not checked', nextZh: '检查网络和链的地址后重试，或改用命令行工具核验', nextEn: 'check the network and the chain address and try again, or use the command-line tool' },
};

/** The meaning of a bundle failure: `failedStep` as the verifier names it, and for `anchor` the anchor check's reason. */
export function bundleMeaning(failedStep: string, anchorReason?: string): Meaning {
  const key = failedStep === 'anchor' ? `anchor:${anchorReason ?? 'not-anchored'}` : failedStep;
  return BUNDLE_MEANINGS[key] ?? BUNDLE_MEANINGS.format!;
}

/** What a passed verdict means at the levels checked. */
export function validMeaning(keysChecked: boolean, anchorChecked: boolean): Meaning {
  if (keysChecked && anchorChecked) {
    return { zh: '文件完整，签名密钥为该机构登记的密钥，且已在链上锚定', en: "the file is intact, signed with the institution's registered keys, and anchored on chain", nextZh: '可以作为电子数据证据提交；保留本报告与原始文件', nextEn: 'it can be filed as electronic evidence; keep this report with the original file' };
  }
  if (keysChecked) {
    return { zh: '文件完整，签名密钥为信任策略所列的机构密钥；未在链上核对锚定', en: "the file is intact and signed with the institution's keys as the trust policy lists them; the anchor was not checked on chain", nextZh: '如需确认上链时间，请联网核对锚定', nextEn: 'to confirm when it was anchored, check the anchor online' };
  }
  return { zh: '文件自身完整一致，但未核验签名密钥属于该机构', en: "the file agrees with itself, but the keys were not checked to be the institution's", nextZh: '加载监管机构发布的信任策略（evidence-trust/1）后再核验', nextEn: 'load the trust policy a regulator publishes (evidence-trust/1) and verify again' };
}

const TRACE_MEANINGS: Record<string, Meaning> = {
  digest: { zh: '请求或应答内容与签名时不一致，可能被改动', en: 'the request or response differs from what was signed: it may have been altered', ...ALTERED_NEXT },
  signature: { zh: '某一跳的签名不成立：轨迹被改动，或并非由登记的密钥签署', en: 'a hop signature does not verify: the trace was altered or not signed with the registered key', ...ALTERED_NEXT },
  'unknown node': { zh: '签名节点不在受信名单中', en: 'a signer is not among the trusted nodes', nextZh: '向监管机构确认该节点；联系出具机构', nextEn: 'ask the regulator about this node; ask the issuing institution' },
  trust: { zh: '轨迹的签名密钥不是登记的机构或节点密钥，可能是伪造的轨迹', en: 'the trace is signed with keys that are not the registered ones: it may be forged', ...ALTERED_NEXT },
  malformed: { zh: '轨迹文件结构损坏', en: 'the trace file is malformed', nextZh: '向出具机构索取原始轨迹文件', nextEn: 'ask the issuing institution for the original trace' },
};

/** The meaning of a trace failure by its check ("digest", "signature", ...); any other check is a broken or altered chain of hops. */
export function traceMeaning(check: string): Meaning {
  return (
    TRACE_MEANINGS[check] ?? { zh: '调用轨迹的跳与跳之间不连贯，可能被删改', en: 'the hops do not link up: the trace may have been cut or altered', ...ALTERED_NEXT }
  );
}

/** Hop types of spec section 7 in Chinese. */
export const HOP_TYPE_TEXT: Record<number, { zh: string; en: string }> = {
  1: { zh: '发起', en: 'origin' },
  2: { zh: '转发', en: 'forward' },
  3: { zh: '送达', en: 'deliver' },
  4: { zh: '应答', en: 'response' },
};

/** What each step established when it passed (or, for disclosure, when nothing was disclosed), Chinese first. */
const STEP_PASSED: Record<string, { zh: string; en: string }> = {
  disclosure: { zh: '披露的内容与存证时一致', en: 'the disclosed content is what was recorded' },
  'disclosure:skipped': { zh: '未披露内容：只证明了记录的承诺值，未证明具体内容', en: 'nothing disclosed: only the commitment is proven, not the content' },
  leaf: { zh: '证据记录格式正确，属于该批次的机构', en: "the record is well formed and belongs to the batch's institution" },
  inclusion: { zh: '证据在机构签名的批次中', en: 'the record is in the batch the institution signed' },
  signature: { zh: '批次签名成立（由文件所附密钥签署）', en: 'the batch signature verifies (with the key the file carries)' },
  log: { zh: '批次在机构日志中的位置正确', en: "the batch is where the file says in the institution's log" },
  checkpoint: { zh: '日志检查点的签名成立', en: "the log checkpoint's signature verifies" },
  cosignature: { zh: '见证人的联署签名成立', en: 'the witnesses\' cosignatures verify' },
  witnesses: { zh: '受信见证人的联署达到法定数', en: 'enough trusted witnesses cosigned' },
};

/** The plain meaning of one step's outcome: what it established, or (failed) what the failure means. */
export function stepMeaning(step: string, status: 'passed' | 'failed' | 'skipped'): { zh: string; en: string } {
  if (status === 'failed') {
    const m = bundleMeaning(step);
    return { zh: m.zh, en: m.en };
  }
  if (status === 'skipped') return STEP_PASSED[`${step}:skipped`] ?? { zh: '未核验（前一步未通过）', en: 'not checked (an earlier step failed)' };
  return STEP_PASSED[step] ?? { zh: '通过', en: 'passed' };
}

/**
 * Each verification step's name, Chinese first and the step's own name beside
 * it: one vocabulary for the CLI, the page and the certificate (what each step
 * established is stepMeaning's).
 */
export const STEP_NAMES: Record<VerificationStep, string> = {
  disclosure: '披露 disclosure',
  leaf: '叶子 leaf',
  inclusion: '包含 inclusion',
  signature: '签名 signature',
  log: '日志 log',
  checkpoint: '检查点 checkpoint',
  cosignature: '见证签名 cosignature',
  witnesses: '见证策略 witnesses',
};
