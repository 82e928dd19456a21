import { isEvidenceError, kindName } from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';
import { importAdapter } from './adapter-module.js';

/** The insurer's API in @evidence/contracts, loaded only here (the core must not depend on a chain client). */
interface InsurerModule {
  submitClaimPackage(
    pkg: unknown,
    o: { rpcUrl: string; privateKey: string; claimVerifier?: string; deployment?: { contracts: { ClaimVerifier: string } } },
  ): Promise<
    | { verified: true; claimId: string; txHash: string; blockNumber: number; kinds: number[]; items: number }
    | { verified: false; claimId: string; code: string; reason: string; revert?: { name: string; args: Record<string, unknown> } }
  >;
  loadDeployment(path: string): { contracts: { ClaimVerifier: string } };
}

/** `evidence claim submit PACKAGE --rpc URL --key KEY [--contract ADDRESS | --deployment FILE] [--json]` */
export async function claimCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'submit') throw new UsageError(`claim needs a subcommand: submit (got ${sub ?? 'nothing'})`);
  const args = parseArgs(rest, ['rpc', 'key', 'contract', 'deployment']);
  allowOnly(args, ['rpc', 'key', 'contract', 'deployment', 'json']);
  if (args.positionals.length !== 1) throw new UsageError('claim submit needs exactly one PACKAGE file (- for standard input)');
  const file = args.positionals[0]!;
  const json = args.flags.has('json');
  const rpc = stringFlag(args, 'rpc');
  if (!rpc) throw new UsageError('claim submit needs --rpc URL');
  // A key on the command line is visible to other users of the machine: prefer the environment.
  const rawKey = stringFlag(args, 'key') ?? process.env.EVIDENCE_INSURER_KEY;
  if (!rawKey) throw new UsageError("claim submit needs the insurer's account key: --key or EVIDENCE_INSURER_KEY");
  const privateKey = rawKey.startsWith('0x') ? rawKey : `0x${rawKey}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new UsageError('--key must be 32 bytes of hex');
  const contract = stringFlag(args, 'contract') ?? process.env.EVIDENCE_CLAIM_VERIFIER;
  const deploymentFile = stringFlag(args, 'deployment');
  if (!contract && !deploymentFile) throw new UsageError('claim submit needs --contract ADDRESS (ClaimVerifier) or --deployment FILE');

  const mod = await importAdapter<InsurerModule>('@evidence/contracts');

  let pkg: unknown;
  try {
    pkg = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    return fail(io, json, file, e.message, e.unreadable ? 2 : 1);
  }
  try {
    const deployment = deploymentFile ? mod.loadDeployment(deploymentFile) : undefined;
    const verdict = await mod.submitClaimPackage(pkg, { rpcUrl: rpc, privateKey, ...(contract ? { claimVerifier: contract } : { deployment }) });
    if (json) {
      io.stdout(JSON.stringify({ file, ...verdict }));
    } else if (verdict.verified) {
      io.stdout(`理赔 claim ${verdict.claimId}`);
      io.stdout(`  ✓ 链上核验通过 VERIFIED on chain: ${verdict.items} 项 items, 种类 kinds ${verdict.kinds.map((k) => kindName(k)).join(', ')}`);
      io.stdout(`  交易 tx ${verdict.txHash} · 区块 block ${verdict.blockNumber}`);
    } else {
      io.stdout(`理赔 claim ${verdict.claimId}`);
      io.stdout(`  ✗ 被合约拒绝 REJECTED by ClaimVerifier: ${verdict.reason}`);
    }
    return verdict.verified ? 0 : 1;
  } catch (e) {
    if (!isEvidenceError(e)) throw e;
    // A package that does not hold together is an invalid input; a chain or deployment problem is not the package's fault.
    return fail(io, json, file, `${e.code}: ${e.message}`, e.code === 'CLAIM_PACKAGE_INVALID' ? 1 : 2);
  }
}

function fail(io: CliIo, json: boolean, file: string, message: string, code: 1 | 2): number {
  if (json) io.stdout(JSON.stringify({ file, verified: false, reason: message }));
  else io.stderr(`${file}: ${message}`);
  return code;
}
