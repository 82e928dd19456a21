import {
  beijingTime,
  checkAnchor,
  isEvidenceError,
  logFacts,
  parseBundle,
  parseWitnessPolicy,
  verifyBundle,
  type Anchor,
  type AnchorCheck,
  type BundleVerification,
  type LogFacts,
  type StepOutcome,
  type VerificationStep,
  type WitnessPolicy,
} from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { loadEvmAnchor } from './online.js';
import { readJson, ReadError } from './read.js';

export const STEP_LABEL: Record<VerificationStep, string> = {
  disclosure: '披露 disclosure',
  leaf: '叶子 leaf',
  inclusion: '包含 inclusion',
  signature: '签名 signature',
  log: '日志 log',
  checkpoint: '检查点 checkpoint',
  cosignature: '见证签名 cosignature',
  witnesses: '见证策略 witnesses',
};

/** Exit 2: a file or policy that could not be read is not a verdict on the evidence. */
class PolicyUnusable extends Error {}

/** `evidence verify FILE... [--json] [--witnesses POLICY.json] [--rpc URL [--contract ADDRESS]]` */
export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['rpc', 'contract', 'witnesses']);
  allowOnly(args, ['json', 'rpc', 'contract', 'witnesses']);
  if (args.positionals.length === 0) throw new UsageError('verify needs at least one FILE');
  const json = args.flags.has('json');
  const rpc = stringFlag(args, 'rpc');
  const contract = stringFlag(args, 'contract');
  if (contract && !rpc) throw new UsageError('--contract goes with --rpc');
  const policyFile = stringFlag(args, 'witnesses');

  let policy: WitnessPolicy | undefined;
  try {
    if (policyFile !== undefined) policy = await loadPolicy(io, policyFile);
  } catch (e) {
    if (!(e instanceof PolicyUnusable)) throw e;
    io.stderr(e.message);
    return 2;
  }
  const anchor: Anchor | undefined = rpc ? await loadEvmAnchor(rpc, contract) : undefined;
  try {
    let worst = 0;
    for (const file of args.positionals) worst = Math.max(worst, await verifyFile(io, file, { json, policy, anchor }));
    return worst;
  } finally {
    (anchor as { close?: () => void } | undefined)?.close?.();
  }
}

async function loadPolicy(io: CliIo, file: string): Promise<WitnessPolicy> {
  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    throw new PolicyUnusable(e.unreadable ? `无法读取见证策略 cannot read the witness policy: ${e.message}` : `见证策略无效 invalid witness policy: ${e.message}`);
  }
  try {
    return parseWitnessPolicy(input);
  } catch (e) {
    if (!isEvidenceError(e)) throw e;
    throw new PolicyUnusable(`见证策略无效 invalid witness policy ${file}: ${e.message}`);
  }
}

interface VerifyContext {
  json: boolean;
  policy: WitnessPolicy | undefined;
  anchor: Anchor | undefined;
}

/** Verifies one file and reports it; returns its exit code (0 valid, 1 invalid, 2 unreadable). */
async function verifyFile(io: CliIo, file: string, ctx: VerifyContext): Promise<number> {
  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    if (e.unreadable) {
      reportUnreadable(io, ctx.json, file, e.message);
      return 2;
    }
    // Bytes that are not UTF-8 JSON are not a JSON object: step 0, format.
    report(io, ctx, file, null, { valid: false, failedStep: 'format', message: e.message, steps: [] });
    return 1;
  }
  const result = verifyBundle(input, { witnesses: ctx.policy });
  const online = result.valid && ctx.anchor ? await checkAnchor(parseBundle(input), ctx.anchor) : undefined;
  report(io, ctx, file, input, result, online);
  return result.valid && (online?.anchored ?? true) ? 0 : 1;
}

function reportUnreadable(io: CliIo, json: boolean, file: string, why: string): void {
  const message = `无法读取 ${why}`;
  if (json) io.stdout(JSON.stringify({ file, valid: false, failedStep: null, unreadable: true, message }));
  else io.stdout(`${file}\n  ✗ ${message}`);
}

function report(io: CliIo, ctx: VerifyContext, file: string, input: unknown, r: BundleVerification, online?: AnchorCheck): void {
  if (ctx.json) io.stdout(JSON.stringify(jsonLine(file, r, online)));
  else printHuman(io, ctx.policy, file, input, r, online);
}

function jsonLine(file: string, r: BundleVerification, online?: AnchorCheck): Record<string, unknown> {
  const line: Record<string, unknown> = {
    file,
    valid: r.valid && (online ? online.anchored : true),
    failedStep: r.valid ? (online && !online.anchored ? 'anchor' : null) : r.failedStep,
    message: r.valid ? (online ? online.message : 'valid') : r.message,
  };
  if (r.format) line.format = r.format;
  if (!r.valid && r.detail) line.detail = r.detail;
  if (r.valid && r.log) line.log = r.log;
  if (r.valid && r.witnesses) line.witnesses = r.witnesses;
  if (online) line.anchor = online;
  return line;
}

function printHuman(io: CliIo, policy: WitnessPolicy | undefined, file: string, input: unknown, r: BundleVerification, online?: AnchorCheck): void {
  io.stdout(file);
  if (r.format) io.stdout(`  格式 format: ${r.format}`);
  const facts = logFacts(input);
  for (const s of r.steps) {
    io.stdout(`  ${MARK[s.status]} ${STEP_LABEL[s.step]}: ${s.detail ? `${s.detail}: ` : ''}${s.message}`);
    if (s.status === 'passed' && facts) for (const line of factLines(s, facts, policy)) io.stdout(`      ${line}`);
  }
  if (!r.valid && r.steps.length === 0) io.stdout(`  ✗ ${r.failedStep === 'format' ? '格式 format' : r.failedStep}: ${r.message}`);
  if (online) io.stdout(`  ${online.anchored ? '✓' : '✗'} 锚定 anchor: ${online.message}`);
  const valid = r.valid && (online ? online.anchored : true);
  io.stdout(valid ? '  结果 result: 有效 VALID' : `  结果 result: 无效 INVALID (${r.valid ? 'anchor' : r.failedStep})`);
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
