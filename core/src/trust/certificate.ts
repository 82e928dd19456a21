import { beijingTime } from '../bundle/time.js';
import type { AnchorCheck } from '../bundle/online.js';
import { BUNDLE_FORMAT_V2, type AnyProofBundle, type BundleVerification } from '../bundle/types.js';
import { chainLabel } from './chain.js';
import type { KeyTrust } from './check.js';
import { institutionOf } from './check.js';
import { kindLabel } from './kind-names.js';
import { maskPersonalData } from './mask.js';
import { bundleMeaning, STEP_NAMES, stepMeaning, validMeaning } from './meaning.js';
import type { TrustPolicy } from './policy.js';
import { KEYS_NOT_CHECKED, LEVEL_TEXT, STATUS_TEXT, type BundleVerdict, type VerdictLevels } from './verdict.js';

/** Everything a 存证核验报告 (evidence certificate) states; the CLI and the page fill it the same way. */
export interface CertificateInput {
  /** The bundle as parsed; null when it could not be parsed as one. */
  bundle: AnyProofBundle | null;
  /** SM3 of the checked file's bytes, hex. */
  fileSm3: string;
  fileName: string;
  offline: BundleVerification;
  verdict: BundleVerdict;
  keys?: KeyTrust;
  online?: AnchorCheck;
  policy: TrustPolicy | null;
  /** When this verification ran (ms). */
  verifiedAt: number;
  verifier: string;
  /** Where to verify again (a command line or the page's address), printed and carried by the QR code. */
  reverify: string;
  /** An SVG of the QR code (made by the caller with the qrcode library) carrying qrText(). */
  qrSvg: string;
  /** Show personal data in full (masked unless the clerk asks). */
  unmask?: boolean;
}

/** What the QR code carries: the checked file's SM3 and where to verify it again. */
export function qrText(fileSm3: string, reverify: string): string {
  return `SM3:${fileSm3}\n${reverify}`;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The report's style: one A4 page, CJK fonts first. */
export const CERTIFICATE_CSS = `
@page { size: A4; margin: 11mm 12mm; }
.cert { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #111; font-size: 8.5pt; line-height: 1.25; max-height: 274mm; overflow: hidden; }
.cert h1 { font-size: 15pt; text-align: center; margin: 0 0 1mm; letter-spacing: 2pt; }
.cert .sub { text-align: center; color: #444; margin: 0 0 3mm; font-size: 8.5pt; }
.cert .verdict { border: 1.5pt solid #333; padding: 2mm 3mm; margin-bottom: 2.5mm; }
.cert .verdict.ok { border-color: #15592b; } .cert .verdict.bad { border-color: #8a1c1c; } .cert .verdict.partial { border-color: #8a6d1c; }
.cert .verdict strong { font-size: 13pt; }
.cert table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; }
.cert th, .cert td { border: 0.5pt solid #999; padding: 0.4mm 1.2mm; text-align: left; vertical-align: top; }
.cert th { background: #f0f0f0; width: 40mm; font-weight: 600; white-space: nowrap; }
.cert h2 { font-size: 9.5pt; margin: 1.8mm 0 0.8mm; }
.cert .en { font-size: 7.5pt; color: #333; }
.cert .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; }
.cert .top { display: flex; gap: 4mm; align-items: flex-start; }
.cert .top .qr { width: 30mm; flex: none; text-align: center; font-size: 7pt; }
.cert .top .qr svg { width: 30mm; height: 30mm; }
.cert .top .main { flex: 1; }
.cert pre { font-size: 7pt; margin: 0; white-space: pre-wrap; word-break: break-all; max-height: 30mm; overflow: hidden; }
.cert .note { font-size: 8pt; color: #6b4b00; }
.cert footer { font-size: 7.5pt; color: #555; margin-top: 2mm; }
`;

/** The report as an HTML fragment (the page prints it) with its style. */
export function certificateHtml(c: CertificateInput): string {
  const b = c.bundle;
  const institution = b && c.policy ? institutionOf(c.policy, b.batch.gateway) : null;
  const row = (k: string, v: string, mono = false) => `<tr><th>${esc(k)}</th><td${mono ? ' class="mono"' : ''}>${esc(v)}</td></tr>`;
  const { head, cls, meaning } = verdictText(c);
  const levels = (Object.keys(LEVEL_TEXT) as (keyof VerdictLevels)[])
    .map((k) => {
      const s = STATUS_TEXT[c.verdict.levels[k]];
      return `<td data-level="${k}" data-status="${c.verdict.levels[k]}">${esc(`${LEVEL_TEXT[k].zh} ${s.mark} ${s.zh}`)}<br><span class="en">${esc(`${LEVEL_TEXT[k].en}: ${s.en}`)}</span></td>`;
    })
    .join('');
  const parts: string[] = [];
  parts.push(`<div class="cert" id="certificate">`);
  parts.push(`<h1>存证核验报告</h1><p class="sub">Evidence Verification Report · 电子数据核验结果</p>`);
  parts.push(`<div class="top"><div class="main">`);
  parts.push(`<div class="verdict ${cls}" data-valid="${c.verdict.valid}"><strong>${esc(head)}</strong><br>${esc(meaning.zh)}<br>${esc(meaning.en)}<br>下一步 Next: ${esc(meaning.nextZh)} · ${esc(meaning.nextEn)}</div>`);
  parts.push(`<table><tr>${levels}</tr></table>`);
  if (c.verdict.levels.keys === 'not-checked') parts.push(`<p class="note">${esc(KEYS_NOT_CHECKED.zh)}</p>`);
  parts.push(`</div><div class="qr">${c.qrSvg}<br>扫码核对文件 SM3<br>scan: the file's SM3</div></div>`);

  parts.push('<h2>核验信息 Verification</h2><table>');
  parts.push(row('核验时间 Verified at', `${beijingTime(c.verifiedAt)}（北京时间 Beijing time）`));
  parts.push(row('核验工具 Verifier', c.verifier));
  parts.push(row('所核文件 File', c.fileName));
  parts.push(row('文件 SM3 File SM3', c.fileSm3, true));
  if (c.policy) parts.push(row('信任策略 Trust policy', `${c.policy.issuer ?? '—'}${c.policy.issuedAt ? ` · ${beijingTime(c.policy.issuedAt)}` : ''}`));
  parts.push(row('复核方式 Verify again', c.reverify, true));
  parts.push('</table>');

  if (b) {
    const kind = kindLabel(b.leaf.kind);
    const who = institution ? [institution.name, institution.code].filter(Boolean).join(' · ') : '未列入信任策略 not in a trust policy';
    parts.push('<h2>证据信息 Evidence</h2><table>');
    parts.push(row('出具机构 Institution', `${who}（网关 gateway ${b.batch.gateway.slice(0, 16)}…）`));
    parts.push(row('证据类型 Kind', `${b.leaf.kind} ${kind.zh} ${kind.en}${kind.regulation ? ` · 依据 ${kind.regulation}` : ''}`));
    parts.push(row('证据编号 Record id', b.leaf.id, true));
    parts.push(row('记录时间 Recorded at', `${beijingTime(b.leaf.ts)}（北京时间）`));
    parts.push(row('批次 Batch', `序号 seq ${b.batch.seq} · ${b.batch.size} 条 leaves · 封批 closed ${beijingTime(b.batch.closedAt)}`));
    if (b.format === BUNDLE_FORMAT_V2) {
      const cp = b.log.checkpoint;
      parts.push(row('检查点 Checkpoint', `日志大小 size ${cp.size} · 签署 signed ${beijingTime(cp.ts)} · 根 root ${cp.root.slice(0, 24)}…`));
      const named = (id: string) => {
        const w = c.policy?.witnesses.witnesses.find((x) => x.id === id);
        return w?.code ?? `${id.slice(0, 12)}…`;
      };
      parts.push(row('见证人 Witnesses', b.log.cosignatures.length ? b.log.cosignatures.map((w) => `${named(w.witness)} ${beijingTime(w.ts)}`).join('；') : '无 none'));
    }
    const chain = chainLabel(b.anchor, c.policy);
    parts.push(row('链上锚定 Anchor', chain.zh));
    if (c.online) {
      const at = c.online.anchored && c.online.anchoredAt !== undefined ? ` · 上链时间 block time ${beijingTime(c.online.anchoredAt)}` : '';
      parts.push(row('链上核对 Chain check', `${c.online.anchored ? '已锚定 anchored' : '未通过 failed'}${at} · ${c.online.message}`));
    } else {
      parts.push(row('链上核对 Chain check', '未核验 not checked'));
    }
    parts.push('</table>');
  }

  parts.push('<h2>核验步骤 Steps</h2><table>');
  for (const s of c.offline.steps) {
    const mark = STATUS_TEXT[s.status === 'skipped' ? 'not-checked' : s.status].mark;
    parts.push(row(STEP_NAMES[s.step], `${mark} ${s.status === 'passed' ? '通过' : s.status === 'failed' ? '未通过' : '跳过'} · ${stepMeaning(s.step, s.status).zh} · ${s.message}`));
  }
  if (c.keys) parts.push(row('机构密钥 trust', `${c.keys.trusted ? '✓ 通过 passed' : '✗ 未通过 failed'} · ${c.keys.message}`));
  parts.push('</table>');

  if (b?.disclosure) {
    const payload = c.unmask ? b.disclosure.payload : maskPersonalData(b.disclosure.payload);
    const text = JSON.stringify(payload, null, 1).replace(/\n\s*/g, ' ');
    parts.push(`<h2>披露内容 Disclosed content${c.unmask ? '' : '（个人信息已遮盖 personal data masked）'}</h2><pre id="certificate-payload">${esc(text.length > 1500 ? `${text.slice(0, 1500)}…` : text)}</pre>`);
  }
  parts.push(`<footer>本报告由离线核验工具生成，结论仅就上列已核验的层级作出；原始证明包文件为核验对象。This report states only the levels listed as checked; the proof bundle file is what was verified.</footer>`);
  parts.push('</div>');
  return parts.join('\n');
}

/** The report as a whole HTML document (what the CLI writes or prints to PDF). */
export function certificateDocument(c: CertificateInput): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>存证核验报告 Evidence Verification Report</title><style>${CERTIFICATE_CSS} body { margin: 0; }</style></head><body>${certificateHtml(c)}</body></html>`;
}

function verdictText(c: CertificateInput): { head: string; cls: string; meaning: ReturnType<typeof validMeaning> } {
  if (!c.verdict.valid) {
    const reason = c.online && !c.online.anchored ? c.online.reason : undefined;
    return { head: `✗ 无效 INVALID（${c.verdict.failedStep}）`, cls: 'bad', meaning: bundleMeaning(c.verdict.failedStep ?? 'format', reason) };
  }
  const keys = c.verdict.levels.keys === 'passed';
  const anchored = c.verdict.levels.anchored === 'passed';
  if (!keys) return { head: '内容完整 INTACT · 密钥未核验 keys not checked', cls: 'partial', meaning: validMeaning(false, false) };
  return { head: anchored ? '✓ 有效 VALID（机构密钥、链上锚定已核验）' : '✓ 有效 VALID（机构密钥已核验，锚定未核验）', cls: 'ok', meaning: validMeaning(true, anchored) };
}
