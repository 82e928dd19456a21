/**
 * `npm run demo`: one complete internet-hospital visit played against the
 * stack `npm start` runs (read from .local/stack.json): registration with
 * consent, a follow-up eligibility check that reads the patient's record at
 * another hospital through the routing network, the consultation, the
 * doctor's signed prescription, the review by another institution's
 * pharmacist with the credential check, payment, the patient's consent to an
 * insurer, the insurer's claim verified on chain, a court verifying a bundle
 * offline with the CLI, and the regulator's audit. Prints each step as it
 * goes and a summary table; exits 1 if any step fails, 2 if it cannot start.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localAccounts } from '@evidence/contracts';
import { JsonRpcProvider, Wallet } from 'ethers';
import { Display, type StepResult } from './demo/display.js';
import { Api, readStack } from './demo/stack.js';
import { VISIT, type Visit } from './demo/steps.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const HELP = `npm run demo [-- --stack FILE]

一次完整的互联网医院就诊演示，运行于 npm start 启动的本地网络之上。
Plays one complete internet-hospital visit against the network \`npm start\` runs.

  --stack FILE   stack description (default .local/stack.json, or STACK_DIR/stack.json)
                 网络描述文件（默认 .local/stack.json）
Exit codes / 退出码: 0 all steps passed 全部通过 · 1 a step failed 有步骤失败 · 2 cannot start 无法开始`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  let stackFile = join(resolve(ROOT, process.env.STACK_DIR ?? '.local'), 'stack.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stack' && argv[i + 1]) stackFile = resolve(argv[++i]!);
    else {
      console.error(`unknown option ${argv[i]} / 未知选项\n\n${HELP}`);
      return 2;
    }
  }

  let visit: Visit;
  try {
    const stack = readStack(stackFile);
    const [a, b] = [stack.gateways[0]!, stack.gateways[1]!];
    for (const g of [a, b]) {
      const health = await fetch(`${g.url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      if (!health?.ok) throw new Error(`gateway ${g.code} at ${g.url} does not answer: is \`npm start\` running? / 网关无响应`);
    }
    const provider = new JsonRpcProvider(stack.rpcUrl, stack.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const run = Date.now().toString(36).toUpperCase();
    visit = {
      stack,
      a: new Api(a.code, a.url, a.token),
      b: new Api(b.code, b.url, b.token),
      run,
      // A demo identity number that changes per run, so runs never collide with each other's records.
      patient: { idNumber: `33010219900101${String(Date.now() % 10_000).padStart(4, '0')}`, patientId: `P-${run}` },
      ids: {},
      dir: mkdtempSync(join(tmpdir(), 'evidence-demo-')),
      provider,
      governor: new Wallet(localAccounts()[0]!.privateKey, provider),
      insurer: new Wallet(localAccounts()[11]!.privateKey, provider),
    };
  } catch (e) {
    console.error(`demo cannot start / 演示无法开始: ${(e as Error).message}`);
    return 2;
  }

  console.log(`互联网医院就诊演示 · Internet-hospital visit: patient ${visit.patient.patientId} at ${visit.a.code}, second institution ${visit.b.code}`);
  console.log(`files for the CLI / 命令行文件: ${visit.dir}\n`);
  const display = new Display(VISIT.length);
  const results: StepResult[] = [];
  for (const [i, step] of VISIT.entries()) {
    display.start(i + 1, step.title);
    const started = Date.now();
    let facts: string[] = [];
    let result: StepResult;
    try {
      facts = await step.run(visit);
      result = { n: i + 1, title: step.title, label: step.label, ok: true, ms: Date.now() - started, detail: facts[facts.length - 1] ?? '' };
    } catch (e) {
      result = { n: i + 1, title: step.title, label: step.label, ok: false, ms: Date.now() - started, detail: (e as Error).message };
    }
    results.push(result);
    display.done(result, facts);
  }
  display.summary(results.map((r) => ({ ...r, detail: r.detail.length > 100 ? `${r.detail.slice(0, 99)}…` : r.detail })));
  visit.provider.destroy();
  return results.every((r) => r.ok) ? 0 : 1;
}

process.exitCode = await main();
