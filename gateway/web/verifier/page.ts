/**
 * The offline verification page (离线核验页面): the core verifier, bundled
 * unchanged for the browser. It reads a proof bundle (or a hop trace) dropped,
 * chosen or pasted by the user and shows each step of spec section 8 with its
 * outcome. Nothing leaves the page unless the user asks for the online anchor
 * check, which then talks only to the RPC URL the user typed.
 */
import {
  keyLookupFrom,
  kindName,
  verifyBundle,
  verifyTrace,
  type BundleVerification,
  type Hop,
  type ProofBundle,
  type StepOutcome,
  type TraceNode,
} from '@evidence/core';
import { checkAnchorOverRpc } from './rpc-anchor.js';

const STEP_TEXT: Record<StepOutcome['step'], { zh: string; en: string }> = {
  disclosure: { zh: '披露内容', en: 'Disclosure' },
  leaf: { zh: '证据叶子', en: 'Leaf' },
  inclusion: { zh: '包含证明', en: 'Inclusion' },
  signature: { zh: 'SM2 签名', en: 'SM2 signature' },
};
const STATUS_TEXT = { passed: '通过 passed', failed: '未通过 failed', skipped: '跳过 skipped' } as const;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function el(tag: string, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

let lastBundle: ProofBundle | null = null;

function show(input: string): void {
  const out = $('result');
  out.replaceChildren();
  lastBundle = null;
  $('online').hidden = true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (e) {
    out.append(verdict(false, `不是 JSON · not JSON: ${(e as Error).message}`, 'malformed'));
    return;
  }
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { hops?: unknown }).hops)) {
    showTrace(parsed as { hops: Hop[]; nodes: TraceNode[] });
    return;
  }
  const r: BundleVerification = verifyBundle(parsed);
  out.append(verdict(r.valid, r.valid ? '证明包有效 · The proof bundle is valid' : r.message, r.valid ? null : r.failedStep));
  const list = el('ol', { class: 'steps' });
  for (const s of r.steps) {
    list.append(
      el(
        'li',
        { class: `step ${s.status}`, 'data-step': s.step, 'data-status': s.status },
        el('span', { class: 'name' }, `${STEP_TEXT[s.step].zh} · ${STEP_TEXT[s.step].en}`),
        el('span', { class: 'status' }, STATUS_TEXT[s.status]),
        el('div', { class: 'why' }, s.message),
      ),
    );
  }
  out.append(list);
  const b = parsed as ProofBundle;
  if (r.valid) {
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
    if (b.anchor) add('锚定 Anchor', JSON.stringify(b.anchor));
    out.append(facts);
    if (b.disclosure) {
      out.append(el('h3', {}, '披露的内容 · Disclosed payload'), el('pre', { id: 'payload' }, JSON.stringify(b.disclosure.payload, null, 2)));
    }
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

function readFile(file: File): void {
  void file.text().then((text) => {
    ($('input') as HTMLTextAreaElement).value = text;
    show(text);
  });
}

export function mount(): void {
  $('verify').addEventListener('click', () => show(($('input') as HTMLTextAreaElement).value));
  $('file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) readFile(f);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) readFile(f);
  });
  $('check-online').addEventListener('click', () => void online());
}

mount();
