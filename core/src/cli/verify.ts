import {
  beijingTime,
  bundleMeaning,
  chainLabel,
  isEvidenceError,
  KEYS_NOT_CHECKED,
  kindLabel,
  levelsLine,
  logFacts,
  parseWitnessPolicy,
  signerName,
  STEP_NAMES,
  stepMeaning,
  validMeaning,
  type BundleVerification,
  type LogFacts,
  type Meaning,
  type StepOutcome,
  type WitnessPolicy,
} from '../index.js';
import { Anchors, CHAIN_FLAGS, type ChainFlags } from './anchors.js';
import { allowOnly, parseArgs, stringFlag, UsageError, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';
import { loadTrustFile, PolicyUnusable, readPolicyJson, usablePolicySetup, type LoadedTrust } from './trust-file.js';
import { checkBundle, witnessPolicyOf, type Checked } from './verify-one.js';

/** The chain flags as given on the command line. */
export function chainFlags(args: ParsedArgs): ChainFlags {
  const flags: ChainFlags = {
    rpc: stringFlag(args, 'rpc'),
    contract: stringFlag(args, 'contract'),
    fabricPeer: stringFlag(args, 'fabric-peer'),
    fabricMsp: stringFlag(args, 'fabric-msp'),
    fabricCert: stringFlag(args, 'fabric-cert'),
    fabricKey: stringFlag(args, 'fabric-key'),
    fabricTlsCa: stringFlag(args, 'fabric-tls-ca'),
    fabricHostAlias: stringFlag(args, 'fabric-host-alias'),
    fabricChannel: stringFlag(args, 'fabric-channel'),
    fabricChaincode: stringFlag(args, 'fabric-chaincode'),
  };
  if (flags.contract && !flags.rpc) throw new UsageError('--contract goes with --rpc');
  return flags;
}

/** What the verify and certificate commands read before any bundle: the policies, and which chains to ask. */
export interface VerifySetup {
  witnesses: WitnessPolicy | undefined;
  trust: LoadedTrust | undefined;
  anchors: Anchors | undefined;
}

/** Reads --witnesses and --trust; a policy that cannot be used is PolicyUnusable (exit 2). */
export async function verifySetup(io: CliIo, args: ParsedArgs): Promise<VerifySetup> {
  const flags = chainFlags(args);
  const witnessFile = stringFlag(args, 'witnesses');
  const trustFile = stringFlag(args, 'trust');
  const explicit = witnessFile !== undefined ? await loadWitnessPolicy(io, witnessFile) : undefined;
  const trust = trustFile !== undefined ? await loadTrustFile(io, trustFile) : undefined;
  const offline = args.flags.has('offline');
  const anchors = offline ? undefined : new Anchors(flags, trust);
  return { witnesses: witnessPolicyOf(explicit, trust?.policy), trust, anchors: anchors?.configured ? anchors : undefined };
}

/** `evidence verify FILE... [--json] [--trust POLICY] [--witnesses POLICY] [--rpc URL [--contract ADDRESS]] [--fabric-* ...] [--offline]` */
export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const valued = ['witnesses', 'trust', ...CHAIN_FLAGS];
  const args = parseArgs(argv, valued);
  allowOnly(args, ['json', 'offline', ...valued]);
  if (args.positionals.length === 0) throw new UsageError('verify needs at least one FILE');
  const json = args.flags.has('json');
  const setup = await usablePolicySetup(io, () => verifySetup(io, args));
  if (!setup) return 2;
  try {
    let worst = 0;
    for (const file of args.positionals) worst = Math.max(worst, await verifyFile(io, file, json, setup));
    return worst;
  } finally {
    await setup.anchors?.close();
  }
}

async function loadWitnessPolicy(io: CliIo, file: string): Promise<WitnessPolicy> {
  const input = await readPolicyJson(io, file, { zh: '见证策略', en: 'witness policy' });
  try {
    return parseWitnessPolicy(input);
  } catch (e) {
    if (!isEvidenceError(e)) throw e;
    throw new PolicyUnusable(`见证策略无效 invalid witness policy ${file}: ${e.message}`);
  }
}

/** Verifies one file and reports it; returns its exit code (0 valid or intact, 1 invalid, 2 unreadable). */
async function verifyFile(io: CliIo, file: string, json: boolean, setup: VerifySetup): Promise<number> {
  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    if (e.unreadable) {
      reportUnreadable(io, json, file, e.message);
      return 2;
    }
    // Bytes that are not UTF-8 JSON are not a JSON object: step 0, format.
    input = undefined;
    const offline: BundleVerification = { valid: false, failedStep: 'format', message: e.message, steps: [] };
    report(io, json, file, null, { offline, bundle: null, verdict: { valid: false, failedStep: 'format', levels: { intact: 'failed', keys: 'not-checked', anchored: 'not-checked', witnesses: 'not-checked' } } }, setup);
    return 1;
  }
  const checked = await checkBundle(input, { witnesses: setup.witnesses, trust: setup.trust?.policy, anchors: setup.anchors });
  report(io, json, file, input, checked, setup);
  return checked.verdict.valid ? 0 : 1;
}

function reportUnreadable(io: CliIo, json: boolean, file: string, why: string): void {
  const meaning = bundleMeaning('unreadable');
  if (json) io.stdout(JSON.stringify({ file, valid: false, failedStep: null, unreadable: true, message: `无法读取 ${why}`, meaning }));
  else io.stdout(`${file}\n  ✗ 无法读取 ${why}\n  结果 result: 无法读取 CANNOT READ（未核验 not verified）\n  ${meaningLines(meaning).join('\n  ')}`);
}

function report(io: CliIo, json: boolean, file: string, input: unknown, c: Checked, setup: VerifySetup): void {
  if (json) io.stdout(JSON.stringify(jsonLine(file, c)));
  else printHuman(io, setup, file, input, c);
}

function meaningOf(c: Checked): Meaning {
  if (!c.verdict.valid) return bundleMeaning(c.verdict.failedStep ?? 'format', c.online && !c.online.anchored ? c.online.reason : undefined);
  return validMeaning(c.verdict.levels.keys === 'passed', c.verdict.levels.anchored === 'passed');
}

function jsonLine(file: string, c: Checked): Record<string, unknown> {
  const r = c.offline;
  const { valid, failedStep } = c.verdict;
  let message = r.valid ? (c.online?.message ?? 'valid') : r.message;
  if (failedStep === 'trust') message = c.keys!.message;
  else if (failedStep === 'anchor') message = c.online!.message;
  const line: Record<string, unknown> = { file, valid, failedStep, message, levels: c.verdict.levels };
  if (c.verdict.levels.keys === 'not-checked' && c.verdict.levels.intact === 'passed') line.note = `${KEYS_NOT_CHECKED.zh} ${KEYS_NOT_CHECKED.en}`;
  line.meaning = meaningOf(c);
  if (r.format) line.format = r.format;
  if (!r.valid && r.detail) line.detail = r.detail;
  if (r.valid && r.log) line.log = r.log;
  if (r.valid && r.witnesses) line.witnesses = r.witnesses;
  if (c.keys) line.trust = c.keys.trusted ? { trusted: true, institution: c.keys.institution.name || c.keys.institution.code, message: c.keys.message } : { trusted: false, reason: c.keys.reason, message: c.keys.message };
  if (c.online) line.anchor = c.online;
  return line;
}

function printHuman(io: CliIo, setup: VerifySetup, file: string, input: unknown, c: Checked): void {
  const r = c.offline;
  const trust = setup.trust?.policy ?? null;
  io.stdout(file);
  io.stdout(`  核验层级 levels: ${levelsLine(c.verdict.levels)}`);
  if (r.format) io.stdout(`  格式 format: ${r.format}`);
  if (c.bundle) {
    const kind = kindLabel(c.bundle.leaf.kind);
    io.stdout(`  出具机构 institution: ${signerName(trust, c.bundle.batch.gateway, `${c.bundle.batch.gateway}（未列入信任策略 not named by a trust policy）`)}`);
    io.stdout(`  证据类型 kind: ${c.bundle.leaf.kind} ${kind.zh} ${kind.en}${kind.regulation ? ` · 依据 ${kind.regulation}` : ''}`);
    io.stdout(`  记录时间 recorded at: ${beijingTime(c.bundle.leaf.ts)} · 封批 batch closed ${beijingTime(c.bundle.batch.closedAt)}（北京时间 Beijing time）`);
    io.stdout(`  锚定 anchor (bundle's claim): ${chainLabel(c.bundle.anchor, trust).zh}`);
  }
  const facts = logFacts(input);
  for (const s of r.steps) {
    io.stdout(`  ${MARK[s.status]} ${STEP_NAMES[s.step]}: ${s.detail ? `${s.detail}: ` : ''}${s.message}`);
    io.stdout(`      ${stepMeaning(s.step, s.status).zh}`);
    if (s.status === 'passed' && facts) for (const line of factLines(s, facts, setup.witnesses)) io.stdout(`      ${line}`);
  }
  if (!r.valid && r.steps.length === 0) io.stdout(`  ✗ ${r.failedStep === 'format' ? '格式 format' : r.failedStep}: ${r.message}`);
  if (c.keys) io.stdout(`  ${c.keys.trusted ? '✓' : '✗'} 机构密钥 trust: ${c.keys.message}`);
  if (c.online) {
    const at = c.online.anchored && c.online.anchoredAt !== undefined ? ` · 上链时间 block time ${beijingTime(c.online.anchoredAt)}（北京时间）` : '';
    io.stdout(`  ${c.online.anchored ? '✓' : '✗'} 锚定 anchor: ${c.online.message}${at}`);
  } else if (c.verdict.levels.intact === 'passed' && !(c.keys && !c.keys.trusted)) {
    io.stdout('  - 锚定 anchor: 未核验 not checked（给出 --trust 策略中的链或 --rpc 即可核验 give a trust policy with a chain, or --rpc）');
  }
  if (c.verdict.levels.keys === 'not-checked' && c.verdict.levels.intact === 'passed') io.stdout(`  ${KEYS_NOT_CHECKED.zh}\n  ${KEYS_NOT_CHECKED.en}`);
  io.stdout(`  结果 result: ${resultText(c)}`);
  io.stdout(`  ${meaningLines(meaningOf(c)).join('\n  ')}`);
}

function resultText(c: Checked): string {
  if (!c.verdict.valid) return `无效 INVALID (${c.verdict.failedStep})`;
  if (c.verdict.levels.keys !== 'passed') return '内容完整 INTACT · 密钥未核验 keys not checked';
  return c.verdict.levels.anchored === 'passed' ? '有效 VALID（机构密钥与链上锚定已核验 keys and anchor checked）' : '有效 VALID（机构密钥已核验 keys checked；锚定未核验 anchor not checked）';
}

export function meaningLines(m: Meaning): string[] {
  return [`含义 meaning: ${m.zh} / ${m.en}`, `下一步 next: ${m.nextZh} / ${m.nextEn}`];
}

const MARK: Record<StepOutcome['status'], string> = { passed: '✓', failed: '✗', skipped: '-' };

/** The facts a passed log step vouches for, one line each, Chinese first. */
function factLines(s: StepOutcome, facts: LogFacts, policy: WitnessPolicy | undefined): string[] {
  if (s.step === 'log' && facts.position) {
    return [`批次在日志中 batch in log: 序号 index ${facts.position.index} / 日志大小 size ${facts.position.size}`];
  }
  if (s.step === 'checkpoint' && facts.checkpoint) {
    const cp = facts.checkpoint;
    return [`大小 size ${cp.size} · 根 root ${cp.root}`, `签署时间 signed at ${beijingTime(cp.ts)}（北京时间 Beijing time）`];
  }
  if (s.step === 'cosignature' && facts.cosignatures) {
    return facts.cosignatures.map((c) => `见证人 witness ${c.witness} · 时间 time ${beijingTime(c.ts)}${policy ? ` · ${trustLabel(policy, c)}` : ''}`);
  }
  return [];
}

/** How the policy regards one cosigner: only a listed id with the listed key counts. */
function trustLabel(policy: WitnessPolicy, c: { witness: string; publicKey: string }): string {
  const listed = policy.witnesses.find((w) => w.id === c.witness);
  if (!listed) return '未列入策略 not in the policy';
  const name = listed.code ? ` ${listed.code}` : '';
  return listed.publicKey === c.publicKey ? `受信${name} trusted` : `公钥与策略不符${name} key differs from the policy`;
}

