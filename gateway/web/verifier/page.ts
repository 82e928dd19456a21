/**
 * The offline verification page (离线核验页面): the core verifier, bundled
 * unchanged for the browser. It reads a proof bundle of either format (or a
 * hop trace) dropped, chosen or pasted by the user and shows each step of
 * spec sections 8 and 12 with its outcome; for a version 2 bundle, the
 * batch's place in the gateway's log, the checkpoint (size, root, Beijing
 * time) and every cosignature. A witness policy file, given separately, adds
 * step `witnesses`. Nothing leaves the page unless the user asks for the
 * online anchor check, which then talks only to the RPC URL the user typed.
 */
import {
  beijingTime,
  isEvidenceError,
  keyLookupFrom,
  kindName,
  logFacts,
  parseBundle,
  parseWitnessPolicy,
  verifyBundle,
  verifyTrace,
  type AnyProofBundle,
  type BundleVerification,
  type Hop,
  type LogFacts,
  type StepOutcome,
  type TraceNode,
  type VerifiedCosignature,
  type WitnessPolicy,
} from '@evidence/core';
import { checkAnchorOverRpc } from './rpc-anchor.js';

const STEP_TEXT: Record<StepOutcome['step'], { zh: string; en: string }> = {
  disclosure: { zh: '披露内容', en: 'Disclosure' },
  leaf: { zh: '证据叶子', en: 'Leaf' },
  inclusion: { zh: '包含证明', en: 'Inclusion' },
  signature: { zh: 'SM2 签名', en: 'SM2 signature' },
  log: { zh: '批次在日志中', en: 'Batch in the log' },
  checkpoint: { zh: '检查点签名', en: 'Checkpoint signature' },
  cosignature: { zh: '见证人联署', en: 'Cosignatures' },
  witnesses: { zh: '见证策略', en: 'Witness policy' },
};
const STATUS_TEXT = { passed: '通过 passed', failed: '未通过 failed', skipped: '跳过 skipped' } as const;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function el(tag: string, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

let lastBundle: AnyProofBundle | null = null;
/** The witness policy the user gave (a file of their own, never taken from a bundle). */
let policy: WitnessPolicy | null = null;

function show(input: string): void {
  const out = $('result');
  out.replaceChildren();
  lastBundle = null;
  $('online').hidden = true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (e) {
    // Not a JSON object: step 0 of spec section 12.
    out.append(verdict(false, `不是 JSON · not JSON: ${(e as Error).message}`, 'format'));
    return;
  }
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { hops?: unknown }).hops)) {
    showTrace(parsed as { hops: Hop[]; nodes: TraceNode[] });
    return;
  }
  const r: BundleVerification = verifyBundle(parsed, policy ? { witnesses: policy } : {});
  out.append(verdict(r.valid, r.valid ? '证明包有效 · The proof bundle is valid' : r.message, r.valid ? null : r.failedStep));
  if (r.format) out.append(el('p', { class: 'format', id: 'format' }, `格式 Format: ${r.format}`));
  out.append(stepList(r.steps, logFacts(parsed)));
  if (r.valid) showValid(parsed, r);
}

function stepList(steps: StepOutcome[], facts: LogFacts | null): HTMLElement {
  const list = el('ol', { class: 'steps' });
  for (const s of steps) {
    const li = el(
      'li',
      { class: `step ${s.status}`, 'data-step': s.step, 'data-status': s.status },
      el('span', { class: 'name' }, `${STEP_TEXT[s.step].zh} · ${STEP_TEXT[s.step].en}`),
      el('span', { class: 'status' }, STATUS_TEXT[s.status]),
      el('div', { class: 'why' }, s.detail ? `${s.detail}: ${s.message}` : s.message),
    );
    // A fact is shown only beside the step that verified it.
    if (s.status === 'passed' && facts) for (const fact of stepFacts(s.step, facts)) li.append(fact);
    list.append(li);
  }
  return list;
}

function stepFacts(step: StepOutcome['step'], facts: LogFacts): HTMLElement[] {
  const line = (name: string, text: string) => el('div', { class: 'fact', 'data-fact': name }, text);
  if (step === 'log' && facts.position) {
    return [line('position', `日志位置 Position in the log: 序号 index ${facts.position.index} / 大小 size ${facts.position.size}`)];
  }
  if (step === 'checkpoint' && facts.checkpoint) {
    const cp = facts.checkpoint;
    return [
      line('checkpoint-size', `大小 Size: ${cp.size}`),
      line('checkpoint-root', `根 Root: ${cp.root}`),
      line('checkpoint-time', `签署时间 Signed at: ${beijingTime(cp.ts)}（北京时间 Beijing time）`),
    ];
  }
  if (step === 'cosignature' && facts.cosignatures) {
    if (facts.cosignatures.length === 0) return [line('no-cosignature', '无见证人联署 · no witness cosigned')];
    return facts.cosignatures.map((c) => cosignatureLine(c));
  }
  return [];
}

function cosignatureLine(c: VerifiedCosignature): HTMLElement {
  const trust = policy ? ` · ${trustLabel(policy, c)}` : '';
  return el('div', { class: 'fact', 'data-fact': 'cosignature', 'data-witness': c.witness }, `见证人 Witness ${c.witness} · 时间 Time ${beijingTime(c.ts)}${trust}`);
}

/** How the policy regards one cosigner: only a listed id with the listed key counts. */
function trustLabel(p: WitnessPolicy, c: VerifiedCosignature): string {
  const listed = p.witnesses.find((w) => w.id === c.witness);
  if (!listed) return '未列入策略 not in the policy';
  const name = listed.code ? ` ${listed.code}` : '';
  return listed.publicKey === c.publicKey ? `受信${name} trusted` : `公钥与策略不符${name} key differs from the policy`;
}

function showValid(parsed: unknown, r: Extract<BundleVerification, { valid: true }>): void {
  const out = $('result');
  const b = parseBundle(parsed);
  lastBundle = b;
  $('online').hidden = false;
  const facts = el('dl', { class: 'facts' });
  const add = (k: string, v: string) => facts.append(el('dt', {}, k), el('dd', {}, v));
  add('证据类型 Kind', `${b.leaf.kind} ${safeKind(b.leaf.kind)}`);
  add('时间 Time', new Date(b.leaf.ts).toISOString());
  add('网关 Gateway', b.leaf.gateway);
  add('批次 Batch', `seq ${b.batch.seq}, ${b.batch.size} leaves, ${b.batch.alg}`);
  add('叶子哈希 Leaf hash', r.leafHash);
  add('批次头哈希 Header hash', r.headerHash);
  if (r.log) {
    add('日志 Log', `批次 batch ${r.log.index} / 日志大小 log size ${r.log.checkpoint.size}`);
    add('检查点 Checkpoint', `size ${r.log.checkpoint.size}, root ${r.log.checkpoint.root}, ${beijingTime(r.log.checkpoint.ts)}（北京时间 Beijing time）`);
    add('检查点公钥 Checkpoint key', r.log.checkpointKey);
    add('见证人 Witnesses', r.log.cosignatures.length ? r.log.cosignatures.map((c) => c.witness).join(', ') : '无 none');
  }
  if (r.witnesses) add('见证策略 Policy', `受信 trusted ${r.witnesses.trusted.length} / 法定数 quorum ${r.witnesses.quorum}`);
  if (b.anchor) add('锚定 Anchor', JSON.stringify(b.anchor));
  out.append(facts);
  if (b.disclosure) {
    out.append(el('h3', {}, '披露的内容 · Disclosed payload'), el('pre', { id: 'payload' }, JSON.stringify(b.disclosure.payload, null, 2)));
  }
}

function showTrace(t: { hops: Hop[]; nodes: TraceNode[] }): void {
  const out = $('result');
  const nodes = Array.isArray(t.nodes) ? t.nodes : [];
  const r = verifyTrace(t.hops, keyLookupFrom(nodes));
  out.append(verdict(r.valid, r.valid ? `轨迹有效，共 ${t.hops.length} 跳 · The trace is valid (${t.hops.length} hops)` : r.message, r.valid ? null : r.check));
  const names = new Map(nodes.map((n) => [n.id, n.code ?? n.id.slice(0, 16)]));
  const list = el('ol', { class: 'steps' });
  t.hops.forEach((h, i) => {
    const failed = !r.valid && r.hop === i;
    const status = r.valid || i < (r.valid ? 0 : r.hop) ? 'passed' : failed ? 'failed' : 'skipped';
    list.append(el('li', { class: `step ${status}`, 'data-status': status }, el('span', { class: 'name' }, `hop ${i} · type ${h.type} · ${names.get(h.node) ?? h.node}`), el('span', { class: 'status' }, STATUS_TEXT[status])));
  });
  out.append(list);
}

function verdict(valid: boolean, message: string, failedStep: string | null): HTMLElement {
  return el(
    'div',
    { id: 'verdict', class: valid ? 'ok' : 'bad', 'data-valid': String(valid), 'data-failed-step': failedStep ?? '' },
    el('strong', {}, valid ? '✓ 有效 VALID' : `✗ 无效 INVALID${failedStep ? ` · ${failedStep}` : ''}`),
    el('div', {}, message),
  );
}

function safeKind(code: number): string {
  try {
    return kindName(code);
  } catch {
    return '';
  }
}

async function online(): Promise<void> {
  const status = $('online-result');
  if (!lastBundle) return;
  status.textContent = '查询中… checking…';
  const rpcUrl = ($('rpc') as HTMLInputElement).value.trim();
  const contract = ($('contract') as HTMLInputElement).value.trim();
  const r = await checkAnchorOverRpc(lastBundle, rpcUrl, contract);
  status.textContent = `${r.anchored ? '✓ 已锚定 anchored' : '✗ 未通过 not anchored'}: ${r.message}`;
  status.className = r.anchored ? 'ok' : 'bad';
  status.dataset.anchored = String(r.anchored);
}

/** Reads a policy file; a bad one is reported and leaves no policy applied (never a silent partial policy). */
function loadPolicy(text: string, name: string): void {
  const status = $('policy-status');
  status.dataset.file = name;
  try {
    policy = parseWitnessPolicy(text);
    status.textContent = `已应用 ${name}：${policy.witnesses.length} 个受信见证人，法定数 ${policy.quorum} · applied: ${policy.witnesses.length} trusted witness(es), quorum ${policy.quorum}`;
    status.dataset.state = 'loaded';
  } catch (e) {
    policy = null;
    status.textContent = `见证策略无效 invalid witness policy: ${isEvidenceError(e) ? e.message : (e as Error).message}`;
    status.dataset.state = 'error';
  }
  // Offered after any file, so an error can be cleared too.
  $('policy-clear').hidden = false;
  reverify();
}

function clearPolicy(): void {
  policy = null;
  ($('policy-file') as HTMLInputElement).value = '';
  const status = $('policy-status');
  status.textContent = '未应用见证策略 · no witness policy applied';
  status.dataset.state = 'none';
  delete status.dataset.file;
  $('policy-clear').hidden = true;
  reverify();
}

/** The verdict shown always matches the policy shown: a bundle already on the page is verified again. */
function reverify(): void {
  const text = ($('input') as HTMLTextAreaElement).value;
  if (text.trim() !== '') show(text);
}

function readFile(file: File): void {
  void file.text().then((text) => {
    ($('input') as HTMLTextAreaElement).value = text;
    show(text);
  });
}

function dropTarget(zone: HTMLElement, onFile: (f: File) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) onFile(f);
  });
}

export function mount(): void {
  $('verify').addEventListener('click', () => show(($('input') as HTMLTextAreaElement).value));
  $('file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) readFile(f);
  });
  dropTarget($('drop'), readFile);
  const policyFile = (f: File) => void f.text().then((text) => loadPolicy(text, f.name));
  $('policy-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) policyFile(f);
  });
  dropTarget($('policy'), policyFile);
  $('policy-clear').addEventListener('click', clearPolicy);
  $('check-online').addEventListener('click', () => void online());
}

mount();
