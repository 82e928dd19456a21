import {
  beijingTime,
  HOP_TYPE_TEXT,
  keyLookupFrom,
  policyKeyLookup,
  signerName,
  traceMeaning,
  verifyTrace,
  type Hop,
  type KeyLookup,
  type TraceNode,
  type TraceOptions,
  type TraceResult,
  type TrustPolicy,
} from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { readJson, ReadError } from './read.js';
import { openRegistry } from './registry.js';
import { loadTrustFile, usablePolicySetup } from './trust-file.js';
import { meaningLines } from './verify.js';

interface TraceFile {
  hops: Hop[];
  nodes: TraceNode[];
  request?: TraceOptions['request'];
  response?: TraceOptions['response'];
}

type Level = 'passed' | 'failed' | 'not-checked';

/**
 * `evidence verify-trace FILE [--json] [--trust POLICY] [--rpc URL --contract ADDRESS]`
 *
 * Level 1 (intact) checks the trace against the keys it carries; level 2
 * checks it again against keys the verifier trusts: the trust policy's, or
 * the chain registry's key of each signer at its hop's time. A trace re-signed
 * throughout with an attacker's keys is intact, and fails level 2 (`trust`).
 */
export async function verifyTraceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['trust', 'rpc', 'contract']);
  allowOnly(args, ['json', 'trust', 'rpc', 'contract']);
  if (args.positionals.length !== 1) throw new UsageError('verify-trace needs exactly one FILE');
  const file = args.positionals[0]!;
  const json = args.flags.has('json');
  const rpc = stringFlag(args, 'rpc');
  const contract = stringFlag(args, 'contract') ?? (rpc ? process.env.EVIDENCE_ANCHOR_ADDRESS : undefined);
  if (rpc && !contract) throw new UsageError('--rpc needs --contract ADDRESS (the EvidenceAnchor, or EVIDENCE_ANCHOR_ADDRESS)');
  const trustFile = stringFlag(args, 'trust');
  const loaded = trustFile === undefined ? { policy: undefined } : await usablePolicySetup(io, () => loadTrustFile(io, trustFile));
  if (!loaded) return 2;
  const trust: TrustPolicy | undefined = loaded.policy;

  let input: unknown;
  try {
    input = await readJson(io, file);
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    if (e.unreadable) {
      if (json) io.stdout(JSON.stringify({ file, valid: false, unreadable: true, failedHop: null, failedCheck: null, message: `无法读取 ${e.message}` }));
      else io.stdout(`${file}\n  ✗ 无法读取 ${e.message}\n  结果 result: 无法读取 CANNOT READ（未核验 not verified）`);
      return 2;
    }
    emitInvalid(io, json, file, { valid: false, hop: 0, check: 'malformed', message: e.message }, 'intact');
    return 1;
  }
  if (!isTraceFile(input)) {
    emitInvalid(io, json, file, { valid: false, hop: 0, check: 'malformed', message: 'expected { "hops": [...], "nodes": [{ "id", "publicKey" }] }' }, 'intact');
    return 1;
  }
  const options = { request: input.request, response: input.response };
  const intact = verifyTrace(input.hops, keyLookupFrom(input.nodes), options);
  if (!intact.valid) {
    emitInvalid(io, json, file, intact, 'intact');
    return 1;
  }
  let keys: Level = 'not-checked';
  let trusted: TraceResult | undefined;
  if (trust) trusted = verifyTrace(input.hops, policyKeyLookup(trust, input.hops), options);
  else if (rpc) trusted = verifyTrace(input.hops, await chainKeyLookup(rpc, contract!, input.hops), options);
  if (trusted) keys = trusted.valid ? 'passed' : 'failed';
  if (trusted && !trusted.valid) {
    emitInvalid(io, json, file, trusted, 'trust');
    return 1;
  }
  const levels = { intact: 'passed', keys };
  const note = keys === 'not-checked' ? '注意：未核验签名密钥是否为登记的机构或节点密钥（未提供 --trust 或 --rpc）。Note: the keys were not checked to be the registered ones (no --trust, no --rpc).' : undefined;
  if (json) {
    io.stdout(JSON.stringify({ file, valid: true, failedHop: null, failedCheck: null, failedStep: null, message: `${input.hops.length} hops verified`, levels, ...(note ? { note } : {}) }));
    return 0;
  }
  io.stdout(`${file}\n  核验层级 levels: ✓ ① 内容完整 intact · ${keys === 'passed' ? '✓ ② 登记密钥 registered keys: 通过 passed' : '– ② 登记密钥 registered keys: 未核验 not checked'}`);
  const codes = new Map(input.nodes.map((n) => [n.id, n.code]));
  input.hops.forEach((h, i) => {
    const type = HOP_TYPE_TEXT[h.type] ?? { zh: `类型 ${h.type}`, en: `type ${h.type}` };
    io.stdout(`  ✓ hop ${i} ${type.zh} ${type.en} · ${signerName(trust ?? null, h.node, codes.get(h.node))} · ${beijingTime(h.ts)}（北京时间）`);
  });
  if (note) io.stdout(`  ${note}`);
  io.stdout(`  结果 result: ${keys === 'passed' ? '有效 VALID' : '内容完整 INTACT · 密钥未核验 keys not checked'} — ${input.hops.length} hops verified`);
  return 0;
}

/** Each signer's key as the chain registers it at its first hop's time (EvidenceAnchor.keyAtTime). */
async function chainKeyLookup(rpc: string, contract: string, hops: readonly Hop[]): Promise<KeyLookup> {
  const registry = await openRegistry(rpc, contract);
  try {
    const keys = new Map<string, string>();
    for (const h of hops) {
      if (keys.has(h.node)) continue;
      const key = await registry.keyAtTime(h.node, h.ts);
      if (key) keys.set(h.node, key);
    }
    return (id) => keys.get(id);
  } finally {
    registry.close();
  }
}

function emitInvalid(io: CliIo, json: boolean, file: string, r: Extract<TraceResult, { valid: false }>, level: 'intact' | 'trust'): void {
  // At level 2, a hop that verified with the file's keys but not with the trusted ones is a trust failure.
  const meaning = traceMeaning(level === 'trust' ? 'trust' : r.check);
  const levels = level === 'trust' ? { intact: 'passed', keys: 'failed' } : { intact: 'failed', keys: 'not-checked' };
  const failedStep = level === 'trust' ? 'trust' : 'intact';
  if (json) {
    io.stdout(JSON.stringify({ file, valid: false, failedStep, failedHop: r.hop, failedCheck: r.check, message: r.message, levels, meaning }));
    return;
  }
  io.stdout(`${file}\n  结果 result: 无效 INVALID${level === 'trust' ? ' (trust)' : ''} — ${r.message}\n  ${meaningLines(meaning).join('\n  ')}`);
}

function isTraceFile(v: unknown): v is TraceFile {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    Array.isArray(t.hops) &&
    Array.isArray(t.nodes) &&
    t.nodes.every((n) => typeof n === 'object' && n !== null && typeof (n as TraceNode).id === 'string' && typeof (n as TraceNode).publicKey === 'string')
  );
}
