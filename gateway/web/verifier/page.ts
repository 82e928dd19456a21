/**
 * The offline verification page (离线核验页面): the core verifier, bundled
 * unchanged for the browser. It reads a proof bundle of either format (or a
 * hop trace with its request and response) dropped, chosen or pasted by the
 * user, and shows the verdict as levels never merged into one tick: intact
 * (every offline step), the institution's keys (a trust policy), anchored on
 * chain and cosigned by trusted witnesses. Every failure gets a plain Chinese
 * meaning and a next step. A trust policy (or a bare witness policy) is a
 * file of the user's own; with a chain in it the anchor is checked with no
 * typing. Nothing leaves the page except that check, which talks only to the
 * chain the policy or the user names. The printout is the 存证核验报告 alone.
 */
import {
  beijingTime,
  bundleMeaning,
  bundleVerdict,
  certificateHtml,
  chainLabel,
  checkBundleKeys,
  HOP_TYPE_TEXT,
  isEvidenceError,
  isIntact,
  isTrustPolicyError,
  isTrustPolicyShape,
  KEYS_NOT_CHECKED,
  keyLookupFrom,
  kindLabel,
  LEVEL_TEXT,
  logFacts,
  maskPersonalData,
  parseBundle,
  parseTrustPolicy,
  parseWitnessPolicy,
  policyKeyLookup,
  qrText,
  signerName,
  sm3,
  STATUS_TEXT,
  STEP_NAMES,
  stepMeaning,
  toHex,
  traceMeaning,
  validMeaning,
  verifyBundle,
  verifyTrace,
  VERIFIER_VERSION,
  type AnchorCheck,
  type AnyProofBundle,
  type BundleVerdict,
  type BundleVerification,
  type Hop,
  type KeyTrust,
  type LevelStatus,
  type LogFacts,
  type Meaning,
  type StepOutcome,
  type TraceNode,
  type TraceOptions,
  type TrustPolicy,
  type VerdictLevels,
  type VerifiedCosignature,
  type WitnessPolicy,
} from '@evidence/core';
import QRCode from 'qrcode';
import { checkAnchorFromPage } from './rpc-anchor.js';

/** A bundle is a few kilobytes: anything over this is refused before a byte is read. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** A loaded file's text goes into the textarea only up to this many characters (a big one would freeze the tab). */
const TEXTAREA_LIMIT = 100_000;

const STEP_STATUS = { passed: '通过 passed', failed: '未通过 failed', skipped: '跳过 skipped' } as const;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function el(tag: string, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** What was checked: the bytes (for their SM3) and a name for the report. */
interface Source {
  name: string;
  bytes: Uint8Array;
  text: string;
}

/** The bundle on the page and everything checked about it so far. */
interface Shown {
  source: Source;
  offline: BundleVerification;
  bundle: AnyProofBundle | null;
  keys?: KeyTrust;
  online?: AnchorCheck;
  /** An online answer whose contract came from the bundle itself: it says nothing about whose keys these are. */
  onlineFromBundle?: boolean;
  verdict: BundleVerdict;
}

/** The file the user chose, kept here rather than in the textarea when it is big. */
let loaded: Source | null = null;
let shown: Shown | null = null;
/** The user's own policies (never taken from a bundle): a bare witness policy, or a trust policy. */
let witnessPolicy: WitnessPolicy | null = null;
let trust: TrustPolicy | null = null;

function witnessesInForce(): WitnessPolicy | undefined {
  if (witnessPolicy) return witnessPolicy;
  if (trust && (trust.witnesses.quorum > 0 || trust.witnesses.witnesses.length > 0)) return trust.witnesses;
  return undefined;
}

function show(source: Source): void {
  const out = $('result');
  out.replaceChildren();
  shown = null;
  $('online').hidden = true;
  $('print-bar').hidden = true;
  $('report').replaceChildren();
  let parsed: unknown;
  try {
    parsed = JSON.parse(source.text);
  } catch (e) {
    // Not a JSON object: step 0 of spec section 12.
    out.append(verdictBox(false, 'format', `不是 JSON · not JSON: ${(e as Error).message}`, bundleMeaning('format')));
    return;
  }
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { hops?: unknown }).hops)) {
    showTrace(parsed as TraceInput);
    return;
  }
  const offline = verifyBundle(parsed, { witnesses: witnessesInForce() });
  const bundle = isIntact(offline) ? parseBundle(parsed) : null;
  const keys = bundle && trust ? checkBundleKeys(bundle, trust) : undefined;
  shown = { source, offline, bundle, keys, verdict: bundleVerdict(offline, keys) };
  out.append(el('div', { id: 'verdict-slot' }));
  if (offline.format) out.append(el('p', { class: 'format', id: 'format' }, `格式 Format: ${offline.format}`));
  out.append(stepList(offline.steps, logFacts(parsed)));
  if (keys) {
    out.append(
      el('ol', { class: 'steps' }, el('li', { class: `step ${keys.trusted ? 'passed' : 'failed'}`, 'data-check': 'trust', 'data-status': keys.trusted ? 'passed' : 'failed' }, el('span', { class: 'name' }, '机构密钥 · Institution keys'), el('span', { class: 'status' }, keys.trusted ? STEP_STATUS.passed : STEP_STATUS.failed), el('div', { class: 'why' }, keys.message))),
    );
  }
  if (bundle) showFacts(bundle, offline);
  renderVerdict();
  if (bundle) {
    $('online').hidden = false;
    $('print-bar').hidden = false;
    // A chain named by the trust policy is asked with no typing; loading the policy was the user's ask.
    if (trust?.chains.evm && shown.verdict.levels.intact === 'passed' && (!keys || keys.trusted)) void online();
  } else {
    $('print-bar').hidden = false;
  }
  void renderReport();
}

/** The verdict box and the levels, from `shown` (again after the online check). */
function renderVerdict(): void {
  if (!shown) return;
  const v = shown.verdict;
  const meaning = !v.valid
    ? bundleMeaning(v.failedStep ?? 'format', shown.online && !shown.online.anchored ? shown.online.reason : undefined)
    : validMeaning(v.levels.keys === 'passed', v.levels.anchored === 'passed');
  const message =
    v.failedStep === 'trust' ? shown.keys!.message : v.failedStep === 'anchor' ? shown.online!.message : !shown.offline.valid ? shown.offline.message : (shown.online?.message ?? '证明包内容完整 · The proof bundle is intact');
  const box = verdictBox(v.valid, v.failedStep, message, meaning, v.levels);
  const slot = $('verdict-slot');
  slot.replaceChildren(box, levelList(v.levels));
  if (v.levels.intact === 'passed' && v.levels.keys === 'not-checked') slot.append(el('p', { class: 'note', id: 'keys-note' }, `${KEYS_NOT_CHECKED.zh} ${KEYS_NOT_CHECKED.en}`));
}

function verdictBox(valid: boolean, failedStep: string | null, message: string, meaning: Meaning, levels?: VerdictLevels): HTMLElement {
  const partial = valid && levels && levels.keys !== 'passed';
  const head = !valid ? `✗ 无效 INVALID${failedStep ? ` · ${failedStep}` : ''}` : partial ? '✓ 内容完整 INTACT · 密钥未核验 keys not checked' : '✓ 有效 VALID';
  return el(
    'div',
    { id: 'verdict', class: !valid ? 'bad' : partial ? 'partial' : 'ok', 'data-valid': String(valid), 'data-failed-step': failedStep ?? '' },
    el('strong', {}, head),
    el('div', {}, message),
    el('div', { class: 'meaning', id: 'meaning' }, `含义：${meaning.zh} · Meaning: ${meaning.en}`),
    el('div', { class: 'meaning', id: 'next-step' }, `下一步：${meaning.nextZh} · Next: ${meaning.nextEn}`),
  );
}

function levelList(levels: Partial<VerdictLevels>): HTMLElement {
  const list = el('ol', { class: 'levels', id: 'levels' });
  for (const k of Object.keys(LEVEL_TEXT) as (keyof VerdictLevels)[]) {
    const status: LevelStatus | undefined = levels[k];
    if (!status) continue;
    const s = STATUS_TEXT[status];
    list.append(el('li', { 'data-level': k, 'data-status': status }, `${s.mark} ${LEVEL_TEXT[k].zh} · ${LEVEL_TEXT[k].en}`, el('br', {}), `${s.zh} ${s.en}`));
  }
  return list;
}

function stepList(steps: StepOutcome[], facts: LogFacts | null): HTMLElement {
  const list = el('ol', { class: 'steps' });
  for (const s of steps) {
    const li = el(
      'li',
      { class: `step ${s.status}`, 'data-step': s.step, 'data-status': s.status },
      el('span', { class: 'name' }, STEP_NAMES[s.step]),
      el('span', { class: 'status' }, STEP_STATUS[s.status]),
      el('div', { class: 'why meaning-zh' }, `${stepMeaning(s.step, s.status).zh} · ${stepMeaning(s.step, s.status).en}`),
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
  const p = witnessesInForce();
  const trustText = p ? ` · ${trustLabel(p, c)}` : '';
  return el('div', { class: 'fact', 'data-fact': 'cosignature', 'data-witness': c.witness }, `见证人 Witness ${c.witness} · 时间 Time ${beijingTime(c.ts)}${trustText}`);
}

/** How the policy regards one cosigner: only a listed id with the listed key counts. */
function trustLabel(p: WitnessPolicy, c: VerifiedCosignature): string {
  const listed = p.witnesses.find((w) => w.id === c.witness);
  if (!listed) return '未列入策略 not in the policy';
  const name = listed.code ? ` ${listed.code}` : '';
  return listed.publicKey === c.publicKey ? `受信${name} trusted` : `公钥与策略不符${name} key differs from the policy`;
}

function showFacts(b: AnyProofBundle, r: BundleVerification): void {
  if (!r.valid) return;
  const out = $('result');
  const facts = el('dl', { class: 'facts' });
  const add = (k: string, v: string, id?: string) => facts.append(el('dt', {}, k), el('dd', id ? { id } : {}, v));
  const kind = kindLabel(b.leaf.kind);
  add('出具机构 Institution', signerName(trust, b.batch.gateway, `${b.batch.gateway}（未列入信任策略 not named by a trust policy）`), 'fact-institution');
  add('证据类型 Kind', `${b.leaf.kind} ${kind.zh} ${kind.en}${kind.regulation ? ` · 依据 ${kind.regulation}` : ''}`, 'fact-kind');
  add('记录时间 Recorded at', `${beijingTime(b.leaf.ts)}（北京时间 Beijing time）`, 'fact-time');
  add('批次 Batch', `序号 seq ${b.batch.seq} · ${b.batch.size} 条 leaves · ${b.batch.alg} · 封批 closed ${beijingTime(b.batch.closedAt)}`);
  add('叶子哈希 Leaf hash', r.leafHash);
  add('批次头哈希 Header hash', r.headerHash);
  if (r.log) {
    add('检查点 Checkpoint', `日志大小 size ${r.log.checkpoint.size} · 根 root ${r.log.checkpoint.root} · ${beijingTime(r.log.checkpoint.ts)}（北京时间 Beijing time）`);
    add('检查点公钥 Checkpoint key', r.log.checkpointKey);
    add('见证人 Witnesses', r.log.cosignatures.length ? r.log.cosignatures.map((c) => `${c.witness.slice(0, 16)}… ${beijingTime(c.ts)}`).join('；') : '无 none');
  }
  if (r.witnesses) add('见证策略 Policy', `受信 trusted ${r.witnesses.trusted.length} / 法定数 quorum ${r.witnesses.quorum}`);
  const chain = chainLabel(b.anchor, trust);
  const anchor = el('dd', { id: 'fact-anchor', 'data-chain-flag': chain.flag ?? '' }, `${chain.zh} · ${chain.en}`);
  facts.append(el('dt', {}, '锚定（证明包所述）Anchor (the bundle says)'), anchor);
  out.append(facts);
  if (b.disclosure) out.append(el('h3', {}, '披露的内容 · Disclosed payload'), el('pre', { id: 'payload' }, payloadText(b)));
}

function payloadText(b: AnyProofBundle): string {
  const unmask = ($('unmask') as HTMLInputElement).checked;
  return JSON.stringify(unmask ? b.disclosure!.payload : maskPersonalData(b.disclosure!.payload), null, 2);
}

interface TraceInput {
  hops: Hop[];
  nodes: TraceNode[];
  request?: TraceOptions['request'];
  response?: TraceOptions['response'];
}

/** A hop trace, verified with its request and response exactly as `evidence verify-trace` does. */
function showTrace(t: TraceInput): void {
  const out = $('result');
  const nodes = Array.isArray(t.nodes) ? t.nodes : [];
  const options = { request: t.request, response: t.response };
  const intact = verifyTrace(t.hops, keyLookupFrom(nodes), options);
  const trusted = intact.valid && trust ? verifyTrace(t.hops, policyKeyLookup(trust, t.hops), options) : undefined;
  const failure = !intact.valid ? intact : trusted && !trusted.valid ? trusted : null;
  const levels: Partial<VerdictLevels> = { intact: intact.valid ? 'passed' : 'failed', keys: trusted ? (trusted.valid ? 'passed' : 'failed') : 'not-checked' };
  const failedStep = failure ? (intact.valid ? 'trust' : failure.check) : null;
  const meaning = failure ? traceMeaning(intact.valid ? 'trust' : failure.check) : validMeaning(levels.keys === 'passed', false);
  const message = failure ? failure.message : `轨迹完整，共 ${t.hops.length} 跳 · The trace is intact (${t.hops.length} hops)`;
  const box = verdictBox(!failure, failedStep, message, meaning, { intact: 'passed', keys: levels.keys!, anchored: 'not-checked', witnesses: 'not-checked' });
  out.append(box, levelList(levels));
  if (!failure && levels.keys === 'not-checked') out.append(el('p', { class: 'note', id: 'keys-note' }, `${KEYS_NOT_CHECKED.zh} ${KEYS_NOT_CHECKED.en}`));
  if (!t.request || !t.response) out.append(el('p', { class: 'note' }, '未附请求与应答，摘要未核对 · no request and response attached: the digests were not checked'));
  const codes = new Map(nodes.map((n) => [n.id, n.code]));
  const list = el('ol', { class: 'steps' });
  t.hops.forEach((h, i) => {
    const failedHere = failure !== null && failure.hop === i;
    const status = failure === null || i < failure.hop ? 'passed' : failedHere ? 'failed' : 'skipped';
    const type = HOP_TYPE_TEXT[h.type] ?? { zh: `类型 ${h.type}`, en: `type ${h.type}` };
    list.append(
      el(
        'li',
        { class: `step ${status}`, 'data-hop': String(i), 'data-status': status },
        el('span', { class: 'name' }, `第 ${i} 跳 hop ${i} · ${type.zh} ${type.en} · ${signerName(trust, h.node, codes.get(h.node))}`),
        el('span', { class: 'status' }, STEP_STATUS[status]),
        el('div', { class: 'why' }, `时间 Time ${beijingTime(h.ts)}（北京时间 Beijing time）`),
      ),
    );
  });
  out.append(list);
}

async function online(): Promise<void> {
  const status = $('online-result');
  const current = shown;
  if (!current?.bundle) return;
  status.textContent = '查询中… checking…';
  delete status.dataset.anchored;
  const typed = { rpcUrl: ($('rpc') as HTMLInputElement).value.trim(), contract: ($('contract') as HTMLInputElement).value.trim() };
  const r = await checkAnchorFromPage(current.bundle, typed, trust);
  if (shown !== current) return;
  if (!r.checked) {
    status.textContent = r.message;
    status.className = 'partial';
    status.dataset.anchored = 'not-checked';
    return;
  }
  const { checked: _c, contractFromBundle, ...check } = r;
  current.online = check;
  current.onlineFromBundle = contractFromBundle;
  current.verdict = bundleVerdict(current.offline, current.keys, check);
  // A contract the bundle itself named vouches for nothing about the keys.
  if (contractFromBundle && !current.keys) current.verdict.levels.keys = 'not-checked';
  const at = check.anchored && check.anchoredAt !== undefined ? ` · 上链时间 block time ${beijingTime(check.anchoredAt)}（北京时间）` : '';
  const note = contractFromBundle ? '（合约地址取自证明包本身，未证明密钥属于该机构 · the contract is the bundle\'s own claim: it proves nothing about whose keys these are）' : '';
  status.textContent = `${check.anchored ? '✓ 已锚定 anchored' : check.reason === 'unreachable' ? '– 未核验 not checked' : '✗ 未通过 failed'}: ${check.message}${at}${note}`;
  status.className = check.anchored ? 'ok' : 'bad';
  status.dataset.anchored = String(check.anchored);
  renderVerdict();
  void renderReport();
}

/** The printable 存证核验报告 (print view, "save as PDF"), rebuilt whenever the verdict changes. */
async function renderReport(): Promise<void> {
  const current = shown;
  if (!current) return;
  const fileSm3 = toHex(sm3(current.source.bytes));
  const reverify = `evidence verify ${current.source.name}${trust ? ' --trust POLICY.json' : ''} · 或用本核验页面 or this verification page`;
  const qrSvg = await QRCode.toString(qrText(fileSm3, reverify), { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  if (shown !== current) return;
  $('report').innerHTML = certificateHtml({
    bundle: current.bundle,
    fileSm3,
    fileName: current.source.name,
    offline: current.offline,
    verdict: current.verdict,
    keys: current.keys,
    online: current.online,
    policy: trust,
    verifiedAt: Date.now(),
    verifier: `${VERIFIER_VERSION} · 离线核验页面 offline page`,
    reverify,
    qrSvg,
    unmask: ($('unmask') as HTMLInputElement).checked,
  });
}

/** Reads a policy file: a trust policy (evidence-trust/1) or a bare witness policy. A bad one leaves no policy applied. */
function loadPolicy(text: string, name: string): void {
  const status = $('policy-status');
  status.dataset.file = name;
  witnessPolicy = null;
  trust = null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // reported below by the witness policy reader, which says "not JSON"
  }
  try {
    if (isTrustPolicyShape(parsed)) {
      trust = parseTrustPolicy(parsed);
      const chains = [trust.chains.evm ? `EVM ${trust.chains.evm.chainId}` : '', trust.chains.fabric ? 'Fabric' : ''].filter(Boolean).join(', ') || '无 none';
      status.textContent = `已应用信任策略 ${name}：${trust.institutions.length} 个机构，${trust.nodes.length} 个路由节点，${trust.witnesses.witnesses.length} 个见证人（法定数 ${trust.witnesses.quorum}），链 ${chains} · trust policy applied`;
      status.dataset.kind = 'trust';
    } else {
      witnessPolicy = parseWitnessPolicy(text);
      status.textContent = `已应用 ${name}：${witnessPolicy.witnesses.length} 个受信见证人，法定数 ${witnessPolicy.quorum} · applied: ${witnessPolicy.witnesses.length} trusted witness(es), quorum ${witnessPolicy.quorum}`;
      status.dataset.kind = 'witnesses';
    }
    status.dataset.state = 'loaded';
  } catch (e) {
    const what = isTrustPolicyError(e) ? `${e.message} [${e.code}]` : `见证策略无效 invalid witness policy: ${isEvidenceError(e) ? e.message : (e as Error).message}`;
    status.textContent = what;
    status.dataset.state = 'error';
  }
  // Offered after any file, so an error can be cleared too.
  $('policy-clear').hidden = false;
  reverify();
}

function clearPolicy(): void {
  witnessPolicy = null;
  trust = null;
  ($('policy-file') as HTMLInputElement).value = '';
  const status = $('policy-status');
  status.textContent = '未应用策略 · no policy applied';
  status.dataset.state = 'none';
  delete status.dataset.file;
  delete status.dataset.kind;
  $('policy-clear').hidden = true;
  reverify();
}

/** The verdict shown always matches the policy shown: what is on the page is verified again. */
function reverify(): void {
  const source = currentSource();
  if (source) show(source);
}

/** The loaded file while the textarea still shows it (or was left empty for a big one), else what was pasted. */
function currentSource(): Source | null {
  const typed = ($('input') as HTMLTextAreaElement).value;
  if (loaded && (typed === '' || typed === loaded.text)) return loaded;
  loaded = null;
  if (typed.trim() === '') return null;
  return { name: '粘贴的内容 pasted text', bytes: new TextEncoder().encode(typed), text: typed };
}

function refuse(message: string, failedStep: string): void {
  shown = null;
  loaded = null;
  ($('input') as HTMLTextAreaElement).value = '';
  $('online').hidden = true;
  $('print-bar').hidden = true;
  $('report').replaceChildren();
  $('result').replaceChildren(verdictBox(false, failedStep, message, { zh: '文件未被读取，证据未被核验', en: 'the file was not read: the evidence was not checked', nextZh: '确认所选文件是证明包（通常只有几 KB）', nextEn: 'check that the file is a proof bundle (a few kilobytes)' }));
}

function readFile(file: File): void {
  // Refused on its size alone, before any byte is read: a 50 MB file never reaches the page's memory or the textarea.
  if (file.size > MAX_FILE_BYTES) {
    refuse(`文件过大：${(file.size / 1048576).toFixed(1)} MB，超过 5 MB 上限，未读取 · file too large (${(file.size / 1048576).toFixed(1)} MB, over the 5 MB limit): not read`, 'too-large');
    return;
  }
  void file.arrayBuffer().then((buffer) => {
    const bytes = new Uint8Array(buffer);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      refuse('不是 UTF-8 文本，不是证明包 · not UTF-8 text: not a proof bundle', 'format');
      return;
    }
    loaded = { name: file.name, bytes, text };
    const area = $('input') as HTMLTextAreaElement;
    area.value = text.length <= TEXTAREA_LIMIT ? text : '';
    area.placeholder = text.length <= TEXTAREA_LIMIT ? area.placeholder : `已载入 ${file.name}（${text.length} 字符，未显示）· loaded, not shown`;
    show(loaded);
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
    e.stopPropagation();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) onFile(f);
  });
}

export function mount(): void {
  $('verify').addEventListener('click', () => {
    const source = currentSource();
    if (source) show(source);
  });
  $('file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) readFile(f);
  });
  dropTarget($('drop'), readFile);
  const policyFile = (f: File) => {
    if (f.size > MAX_FILE_BYTES) {
      const status = $('policy-status');
      status.dataset.file = f.name;
      status.dataset.state = 'error';
      status.textContent = '策略文件过大（超过 5 MB），未读取 · policy file over 5 MB: not read';
      return;
    }
    void f.text().then((text) => loadPolicy(text, f.name));
  };
  $('policy-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) policyFile(f);
  });
  dropTarget($('policy'), policyFile);
  $('policy-clear').addEventListener('click', clearPolicy);
  $('check-online').addEventListener('click', () => void online());
  $('unmask').addEventListener('change', () => {
    if (shown?.bundle?.disclosure && document.getElementById('payload')) $('payload').textContent = payloadText(shown.bundle);
    void renderReport();
  });
  $('print').addEventListener('click', () => window.print());
}

mount();
