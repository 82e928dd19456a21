import { checkAnchor, parseBundle, verifyBundle, type Anchor, type AnchorCheck, type BundleVerification } from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { loadEvmAnchor } from './online.js';
import { readJson, ReadError } from './read.js';

const STEP_LABEL: Record<string, string> = {
  disclosure: '披露 disclosure',
  leaf: '叶子 leaf',
  inclusion: '包含 inclusion',
  signature: '签名 signature',
};

/** `evidence verify FILE... [--json] [--rpc URL [--contract ADDRESS]]` */
export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['rpc', 'contract']);
  allowOnly(args, ['json', 'rpc', 'contract']);
  if (args.positionals.length === 0) throw new UsageError('verify needs at least one FILE');
  const json = args.flags.has('json');
  const rpc = stringFlag(args, 'rpc');
  const contract = stringFlag(args, 'contract');
  if (contract && !rpc) throw new UsageError('--contract goes with --rpc');

  let anchor: Anchor | undefined;
  if (rpc) anchor = await loadEvmAnchor(rpc, contract);

  let worst = 0;
  for (const file of args.positionals) {
    let input: unknown;
    try {
      input = await readJson(io, file);
    } catch (e) {
      if (!(e instanceof ReadError)) throw e;
      report(io, json, file, { valid: false, failedStep: 'malformed', message: e.message, steps: [] });
      worst = Math.max(worst, e.unreadable ? 2 : 1);
      continue;
    }
    const result = verifyBundle(input);
    let online: AnchorCheck | undefined;
    if (result.valid && anchor) online = await checkAnchor(parseBundle(input), anchor);
    report(io, json, file, result, online);
    if (!result.valid || (online && !online.anchored)) worst = Math.max(worst, 1);
  }
  return worst;
}

function report(io: CliIo, json: boolean, file: string, r: BundleVerification, online?: AnchorCheck): void {
  const valid = r.valid && (online ? online.anchored : true);
  if (json) {
    const line: Record<string, unknown> = {
      file,
      valid,
      failedStep: r.valid ? (online && !online.anchored ? 'anchor' : null) : r.failedStep,
      message: r.valid ? (online ? online.message : 'valid') : r.message,
    };
    if (online) line.anchor = online;
    io.stdout(JSON.stringify(line));
    return;
  }
  io.stdout(file);
  for (const s of r.steps) {
    const mark = s.status === 'passed' ? '✓' : s.status === 'failed' ? '✗' : '-';
    io.stdout(`  ${mark} ${STEP_LABEL[s.step]}: ${s.message}`);
  }
  if (!r.valid && r.steps.length === 0) io.stdout(`  ✗ ${r.failedStep}: ${r.message}`);
  if (online) io.stdout(`  ${online.anchored ? '✓' : '✗'} 锚定 anchor: ${online.message}`);
  io.stdout(valid ? '  结果 result: 有效 VALID' : `  结果 result: 无效 INVALID (${r.valid ? 'anchor' : r.failedStep})`);
}
