import { writeFile } from 'node:fs/promises';
import { parseWitnessPolicy, type WitnessPolicy } from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { importAdapter } from './adapter-module.js';

/**
 * The registry reads this command needs from @evidence/contracts, loaded only
 * here: the pure core must not depend on a chain client.
 */
interface RegistryModule {
  openConnection(options: { rpcUrl: string }, unavailable: 'ANCHOR_UNAVAILABLE'): { ready(): Promise<{ provider: unknown }>; close(): void };
  listWitnesses(
    client: { runner: unknown; address: string },
    options: { activeOnly?: boolean },
  ): Promise<{ id: string; kind: string; active: boolean; publicKey: string }[]>;
}

const VALUED = ['rpc', 'contract', 'quorum', 'out'];

/**
 * The witness policy the chain's registry states now: every active participant
 * holding the witness role on EvidenceAnchor, with its current key, and the
 * quorum (default 1 when there is any witness, else 0). The one place a policy
 * is built from the chain, so that a later, wider trust policy grows here.
 * The chain is the governor's word: a verifier that exports a policy trusts
 * whoever holds the governor role to have registered the right keys.
 */
export async function witnessPolicyFromChain(rpcUrl: string, contract: string, quorum?: number): Promise<WitnessPolicy> {
  const mod = await importAdapter<RegistryModule>('@evidence/contracts');
  const connection = mod.openConnection({ rpcUrl }, 'ANCHOR_UNAVAILABLE');
  try {
    const { provider } = await connection.ready();
    const listed = await mod.listWitnesses({ runner: provider, address: contract }, { activeOnly: true });
    const k = quorum ?? (listed.length > 0 ? 1 : 0);
    if (k > listed.length) {
      throw new UsageError(`--quorum ${k} exceeds the ${listed.length} active witness(es) registered on chain: it could never be met`);
    }
    // Through the same reader `evidence verify --witnesses` applies: a key the
    // chain holds but the verifier would refuse fails here, not at a court.
    return parseWitnessPolicy({ quorum: k, witnesses: listed.map((w) => ({ id: w.id, publicKey: w.publicKey })) });
  } finally {
    connection.close();
  }
}

/** `evidence witnesses export --rpc URL --contract ADDRESS [--quorum K] [--out FILE]` */
export async function witnessesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'export') throw new UsageError(`witnesses needs a subcommand: export (got ${sub ?? 'nothing'})`);
  const args = parseArgs(rest, VALUED);
  allowOnly(args, VALUED);
  if (args.positionals.length > 0) throw new UsageError(`witnesses export takes no FILE (got ${args.positionals[0]}); use --out FILE`);
  const rpc = stringFlag(args, 'rpc');
  if (!rpc) throw new UsageError('witnesses export needs --rpc URL');
  const contract = stringFlag(args, 'contract') ?? process.env.EVIDENCE_ANCHOR_ADDRESS;
  if (!contract || !/^0x[0-9a-fA-F]{40}$/.test(contract)) throw new UsageError('witnesses export needs --contract ADDRESS (EvidenceAnchor, 0x + 40 hex digits, or EVIDENCE_ANCHOR_ADDRESS)');
  const quorumArg = stringFlag(args, 'quorum');
  let quorum: number | undefined;
  if (quorumArg !== undefined) {
    quorum = /^[0-9]{1,6}$/.test(quorumArg) ? Number(quorumArg) : NaN;
    if (!Number.isSafeInteger(quorum)) throw new UsageError('--quorum must be a whole number (0 or more)');
  }
  const out = stringFlag(args, 'out');

  const policy = await witnessPolicyFromChain(rpc, contract, quorum);
  const text = JSON.stringify(policy, null, 2);
  if (out) {
    await writeFile(out, text + '\n');
    io.stdout(`见证策略已写入 witness policy written to ${out}: ${policy.witnesses.length} 个见证人 witness(es), 法定数 quorum ${policy.quorum}`);
  } else {
    io.stdout(text);
  }
  if (policy.witnesses.length === 0) io.stderr('注意 note: 链上没有启用的见证人，法定数为 0 / no active witness is registered on chain: quorum 0 asks nothing');
  return 0;
}
