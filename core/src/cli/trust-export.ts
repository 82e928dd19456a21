import { writeFile } from 'node:fs/promises';
import { entityId, parseTrustPolicy, toHex, TRUST_FORMAT, type InstitutionKey, type TrustPolicy } from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { CHAIN_FLAGS } from './anchors.js';
import { readJson, ReadError } from './read.js';
import { exportFabricPolicy } from './trust-export-fabric.js';
import { chainFlags } from './verify.js';
import { openRegistry, type KeyEpoch, type Registry } from './registry.js';

const VALUED = ['rpc', 'contract', 'names', 'quorum', 'issuer', 'from-block', 'out', 'gateways', 'nodes', ...CHAIN_FLAGS.filter((f) => f.startsWith('fabric-'))];

/**
 * `evidence trust export --rpc URL --contract ADDRESS [--names FILE] [--quorum K] [--issuer TEXT] [--from-block N] [--out FILE]`
 *
 * The trust policy the chain's registry states now: every gateway and
 * routing node registered on EvidenceAnchor (found from their registration
 * events, from --from-block) with its whole key history as seq and time
 * ranges, every active witness with a quorum, and the chain itself. Codes and
 * names are not on chain (only ids, SM3 of the code): --names FILE maps codes
 * to names ({ "H330100001": "某某互联网医院" }) and each code is matched by its id.
 * A regulator publishes the result; courts load it with --trust.
 */
export async function trustCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'export') throw new UsageError(`trust needs a subcommand: export (got ${sub ?? 'nothing'})`);
  const args = parseArgs(rest, VALUED);
  allowOnly(args, VALUED);
  if (args.positionals.length > 0) throw new UsageError(`trust export takes no FILE (got ${args.positionals[0]}); use --out FILE`);
  const flags = chainFlags(args);
  const rpc = flags.rpc;
  if (!rpc && !flags.fabricPeer) throw new UsageError('trust export needs --rpc URL (the EVM chain holding EvidenceAnchor) or --fabric-peer HOST:PORT');
  const contract = flags.contract ?? process.env.EVIDENCE_ANCHOR_ADDRESS;
  if (rpc && (!contract || !/^0x[0-9a-fA-F]{40}$/.test(contract))) throw new UsageError('trust export needs --contract ADDRESS (EvidenceAnchor, 0x + 40 hex digits)');
  const quorumArg = stringFlag(args, 'quorum');
  if (quorumArg !== undefined && !/^[0-9]{1,6}$/.test(quorumArg)) throw new UsageError('--quorum must be a whole number (0 or more)');
  const fromBlockArg = stringFlag(args, 'from-block') ?? '0';
  if (!/^[0-9]{1,12}$/.test(fromBlockArg)) throw new UsageError('--from-block must be a block number');
  const namesFile = stringFlag(args, 'names');
  let names: Map<string, { code: string; name: string }> = new Map();
  if (namesFile) {
    try {
      names = namesById(await readJson(io, namesFile));
    } catch (e) {
      if (!(e instanceof ReadError) && !(e instanceof UsageError)) throw e;
      io.stderr(`名称文件无效 cannot use the names file: ${e.message}`);
      return 2;
    }
  }

  let policy: TrustPolicy;
  if (rpc) {
    const registry = await openRegistry(rpc, contract!);
    try {
      policy = await exportPolicy(registry, rpc, names, Number(fromBlockArg), quorumArg === undefined ? undefined : Number(quorumArg), stringFlag(args, 'issuer'));
    } finally {
      registry.close();
    }
  } else {
    const list = (name: string) => (stringFlag(args, name) ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    policy = await exportFabricPolicy(flags, { gateways: list('gateways'), nodes: list('nodes') }, names, stringFlag(args, 'issuer'));
  }
  const text = JSON.stringify(policy, null, 2);
  const out = stringFlag(args, 'out');
  if (out) {
    await writeFile(out, text + '\n');
    io.stdout(`信任策略已写入 trust policy written to ${out}: ${policy.institutions.length} 个机构 institution(s), ${policy.nodes.length} 个路由节点 node(s), ${policy.witnesses.witnesses.length} 个见证人 witness(es), 法定数 quorum ${policy.witnesses.quorum}`);
  } else {
    io.stdout(text);
  }
  const unnamed = policy.institutions.filter((i) => !i.name).length;
  if (unnamed > 0) io.stderr(`注意 note: ${unnamed} 个机构没有名称（链上只有标识），可用 --names 提供 / ${unnamed} institution(s) have no name (the chain holds ids only): give --names FILE`);
  return 0;
}

async function exportPolicy(
  registry: Registry,
  rpcUrl: string,
  names: Map<string, { code: string; name: string }>,
  fromBlock: number,
  quorum: number | undefined,
  issuer: string | undefined,
): Promise<TrustPolicy> {
  const institutions = [];
  for (const id of await registry.registered('gateway', fromBlock)) {
    const keys = seqRanges(await registry.keyHistory(id));
    if (keys.length === 0) continue;
    const n = names.get(id);
    institutions.push({ code: n?.code ?? '', name: n?.name ?? '', gateway: id, keys });
  }
  const nodes = [];
  for (const id of await registry.registered('node', fromBlock)) {
    const keys = timeOrdered(await registry.keyHistory(id));
    if (keys.length === 0) continue;
    const n = names.get(id);
    nodes.push({ code: n?.code ?? '', name: n?.name ?? '', id, keys });
  }
  const witnesses = await registry.witnesses();
  const k = quorum ?? (witnesses.length > 0 ? 1 : 0);
  if (k > witnesses.length) throw new UsageError(`--quorum ${k} exceeds the ${witnesses.length} active witness(es) registered on chain: it could never be met`);
  const policy = {
    format: TRUST_FORMAT,
    ...(issuer ? { issuer } : {}),
    issuedAt: Date.now(),
    chains: { evm: { rpcUrl, chainId: registry.chainId, contract: registry.contract } },
    institutions,
    nodes,
    witnesses: { quorum: k, witnesses },
  };
  // Through the reader --trust applies: a registry entry the verifier would refuse fails here, not at a court.
  return parseTrustPolicy(policy);
}

/**
 * Key epochs as seq ranges: a key holds from its fromSeq until the next
 * key's fromSeq - 1 (EvidenceAnchor.keyAt takes the newest epoch whose
 * fromSeq <= seq, so of two epochs with one fromSeq only the later counts).
 */
function seqRanges(epochs: KeyEpoch[]): InstitutionKey[] {
  const kept = epochs.filter((e, i) => epochs[i + 1]?.fromSeq !== e.fromSeq);
  return kept.map((e, i) => ({ publicKey: e.publicKey, fromSeq: e.fromSeq, toSeq: i + 1 < kept.length ? kept[i + 1]!.fromSeq - 1 : null, fromTime: e.fromTime }));
}

function timeOrdered(epochs: KeyEpoch[]): { publicKey: string; fromTime: number }[] {
  const kept = epochs.filter((e, i) => epochs[i + 1]?.fromTime !== e.fromTime);
  return kept.map((e) => ({ publicKey: e.publicKey, fromTime: e.fromTime }));
}

/** { "CODE": "name" } as id -> { code, name }. */
function namesById(v: unknown): Map<string, { code: string; name: string }> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('the names file is a JSON object { "CODE": "name" }');
  const out = new Map<string, { code: string; name: string }>();
  for (const [code, name] of Object.entries(v)) {
    if (typeof name !== 'string') throw new UsageError(`the name of ${code} must be a string`);
    out.set(toHex(entityId(code)), { code, name });
  }
  return out;
}
