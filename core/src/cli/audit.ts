import { rename, writeFile } from 'node:fs/promises';
import {
  AuditStateError,
  defaultAuditThreads,
  entityId,
  EvidenceError,
  parseAuditState,
  runAudit,
  toHex,
  type Anchor,
  type AuditChain,
  type AuditFinding,
  type AuditReport,
  type AuditState,
  type GatewaySource,
  type KeyEpoch,
  type LogInclusion,
  type ServedCheckpoint,
  type ServedCheckpointPage,
  type ServedLog,
} from '../index.js';
import { allowOnly, parseArgs, stringFlag, UsageError } from './args.js';
import { GatewayUnreachable, httpGatewaySource } from './gateway-http.js';
import type { CliIo } from './io.js';
import { loadEvmAnchor } from './online.js';
import { progressBar } from './progress.js';

const TYPE_LABEL: Record<AuditFinding['type'], string> = {
  gap: '缺号 gap',
  fork: '分叉 fork',
  'bad-signature': '签名无效 bad signature',
  'rotated-key': '已轮换密钥签名 rotated-out key',
  unanchored: '未锚定 never anchored',
  'not-served': '网关缺失 not served',
  mismatch: '不符 mismatch',
  'log-fork': '日志分叉 log fork',
  'log-mismatch': '不在已锚定日志中 not in the anchored log',
  'checkpoint-not-on-chain': '检查点不在链上 checkpoint not on chain',
  'state-mismatch': '审计状态与链不符 state file does not match the chain',
};

const VALUED = ['gateway', 'rpc', 'contract', 'gateway-url', 'token', 'grace-seconds', 'state', 'threads'];

/**
 * `evidence audit --gateway ID --rpc URL [--contract ADDRESS] [--gateway-url URL --token T] [--state FILE] [--threads N] [--json]`
 * Walks the gateway's history against the chain (core/src/audit says what is
 * checked). With --state, resumes after what the last run verified and saves
 * how far this one got.
 */
export async function auditCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, VALUED);
  allowOnly(args, [...VALUED, 'json']);
  if (args.positionals.length > 0) throw new UsageError(`audit takes no FILE (got ${args.positionals[0]})`);
  const json = args.flags.has('json');
  const gatewayArg = stringFlag(args, 'gateway');
  const rpc = stringFlag(args, 'rpc');
  if (!gatewayArg) throw new UsageError('audit needs --gateway ID (64 hex digits, or the institution code)');
  if (!rpc) throw new UsageError('audit needs --rpc URL');
  const gateway = /^[0-9a-f]{64}$/.test(gatewayArg) ? gatewayArg : toHex(entityId(gatewayArg));
  const gatewayUrl = stringFlag(args, 'gateway-url');
  const token = stringFlag(args, 'token') ?? process.env.EVIDENCE_GATEWAY_TOKEN;
  const graceSeconds = numberFlag(stringFlag(args, 'grace-seconds'), 600, '--grace-seconds');
  const threads = numberFlag(stringFlag(args, 'threads'), defaultAuditThreads(), '--threads');
  const statePath = stringFlag(args, 'state');
  const state = statePath ? await readState(io, statePath, gateway) : null;

  const anchor = await loadEvmAnchor(rpc, stringFlag(args, 'contract'));
  try {
    const source = gatewayUrl ? httpSource(gatewayUrl, token) : null;
    if (source) {
      const who = await source.identity();
      if (who.id !== gateway) throw new UsageError(`the gateway at ${gatewayUrl} is ${who.code} (${who.id}), not ${gatewayArg}`);
    }
    const onProgress = progressBar(json ? undefined : io.progress?.bind(io), '审计 auditing');
    const outcome = await runAudit(await auditChain(anchor), gateway, source, { graceMs: graceSeconds * 1000, state, threads: Math.floor(threads), onProgress });
    const saved = statePath && outcome.state && outcome.state !== state ? outcome.state : null;
    if (saved) await writeState(statePath!, saved);
    if (json) io.stdout(JSON.stringify({ ...outcome.report, gatewayChecked: source !== null, stateSaved: saved?.size ?? null }));
    else print(io, outcome.report, gatewayArg, source !== null, statePath ? { path: statePath, saved } : null);
    return outcome.report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof GatewayUnreachable) {
      io.stderr(`网关不可达 gateway unreachable: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    (anchor as { close?: () => void }).close?.();
  }
}

function numberFlag(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a non-negative number`);
  return n;
}

/** The state file of the last run; none yet is a first run. A file that is not a state, or is another gateway's, is a usage error. */
async function readState(io: CliIo, path: string, gateway: string): Promise<AuditState | null> {
  let text: string;
  try {
    text = new TextDecoder().decode(await io.readFile(path));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw new UsageError(`cannot read --state ${path}: ${(e as Error).message}`);
  }
  try {
    const state = parseAuditState(JSON.parse(text));
    if (state.gateway !== gateway) throw new UsageError(`--state ${path} is the state of gateway ${state.gateway}, not ${gateway}`);
    return state;
  } catch (e) {
    if (e instanceof AuditStateError || e instanceof SyntaxError) throw new UsageError(`--state ${path} is not an audit state file: ${e.message}`);
    throw e;
  }
}

/** Written beside and renamed over the old file, so a crash never leaves half a state. */
async function writeState(path: string, state: AuditState): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, path);
}

interface EvmReads {
  address: string;
  connection(): Promise<{ provider: { call(tx: { to: string; data: string }): Promise<string> } }>;
}

interface AnchorAbi {
  encodeFunctionData(name: string, args: unknown[]): string;
  decodeFunctionResult(name: string, data: string): unknown[];
}

/**
 * The port's reads, plus the registry's whole key history in one call when
 * the adapter is the EVM one (EvidenceAnchor.keyHistory), instead of finding
 * rotations through keyAt.
 */
async function auditChain(anchor: Anchor): Promise<AuditChain> {
  const chain: AuditChain = {
    latest: (g) => anchor.latest(g),
    batch: (g, s) => anchor.batch(g, s),
    keyAt: (g, s) => anchor.keyAt(g, s),
    latestCheckpoint: (g) => anchor.latestCheckpoint(g),
    checkpointAt: (g, s) => anchor.checkpointAt(g, s),
    checkpoints: (g, f, l) => anchor.checkpoints(g, f, l),
  };
  const evm = anchor as Anchor & Partial<EvmReads>;
  if (typeof evm.connection !== 'function' || typeof evm.address !== 'string') return chain;
  const { contractInterface } = (await import('@evidence/contracts' as string)) as { contractInterface(name: string): AnchorAbi };
  const abi = contractInterface('EvidenceAnchor');
  chain.keyHistory = async (gateway) => {
    try {
      const { provider } = await evm.connection!();
      const raw = await provider.call({ to: evm.address!, data: abi.encodeFunctionData('keyHistory', [`0x${gateway}`]) });
      const [epochs] = abi.decodeFunctionResult('keyHistory', raw) as [{ fromSeq: bigint; publicKey: string }[]];
      return epochs.map((e): KeyEpoch => ({ fromSeq: Number(e.fromSeq), publicKey: e.publicKey.replace(/^0x/, '').toLowerCase() }));
    } catch (e) {
      throw new EvidenceError('ANCHOR_UNAVAILABLE', `cannot read the key history of ${gateway}: ${(e as Error).message}`);
    }
  };
  return chain;
}

/** The gateway's batches (gateway-http.ts) and its monitor API (GET /v1/log/*). */
function httpSource(baseUrl: string, token: string | undefined): GatewaySource & { identity(): Promise<{ code: string; id: string }> } {
  const base = httpGatewaySource(baseUrl, token);
  const get = monitorGet(baseUrl, token);
  const log: ServedLog = {
    checkpoints: async (after, limit) => checkpointPage(await get(`/v1/log/checkpoints?after=${after}&limit=${Math.min(limit, 1000)}`)),
    inclusion: async (seq, size) => inclusionOf(await get(`/v1/log/inclusion?seq=${seq}&size=${size}`)),
    consistency: async (first, second) => proofOf(await get(`/v1/log/consistency?first=${first}&second=${second}`)),
  };
  return { identity: () => base.identity(), closed: () => base.closed(), batch: (seq) => base.batch(seq), log };
}

/**
 * GET on the monitor API: null for 400 and 404 (a gateway without a batch
 * log, or one that has no proof for those sizes: the audit decides what that
 * means); other failures, and answers that are not JSON, are unreachable.
 */
function monitorGet(baseUrl: string, token: string | undefined): (path: string) => Promise<Record<string, unknown> | null> {
  const base = baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return async (path) => {
    let res: Response;
    try {
      res = await fetch(base + path, { headers, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new GatewayUnreachable(`cannot reach the gateway at ${base}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (res.status === 400 || res.status === 404) return null;
    if (res.status !== 200) throw new GatewayUnreachable(`${base}${path} answered ${res.status}: ${text.slice(0, 200)}`);
    try {
      const body = JSON.parse(text) as unknown;
      if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
    } catch {
      // below
    }
    throw new GatewayUnreachable(`${base}${path} answered something that is not a JSON object`);
  };
}

function checkpointPage(body: Record<string, unknown> | null): ServedCheckpointPage | null {
  if (!body) return null;
  if (!Array.isArray(body.checkpoints)) throw new GatewayUnreachable('GET /v1/log/checkpoints gave no checkpoints array');
  const checkpoints = body.checkpoints.map((entry: unknown): ServedCheckpoint => {
    const e = (entry ?? {}) as { checkpoint?: unknown; signature?: { value?: unknown; publicKey?: unknown } };
    const cp = e.checkpoint as ServedCheckpoint['checkpoint'] | undefined;
    if (typeof cp !== 'object' || cp === null || !Number.isSafeInteger(cp.size)) throw new GatewayUnreachable('GET /v1/log/checkpoints listed an entry without a checkpoint size');
    // The checkpoint's other fields and its signature are checked by the audit, which names what is wrong.
    return { checkpoint: cp, signature: String(e.signature?.value ?? ''), publicKey: String(e.signature?.publicKey ?? '') };
  });
  return { checkpoints, more: body.more === true };
}

function inclusionOf(body: Record<string, unknown> | null): LogInclusion | null {
  if (!body) return null;
  return { leafHash: String(body.leafHash), path: Array.isArray(body.path) ? body.path.map(String) : [] };
}

function proofOf(body: Record<string, unknown> | null): string[] | null {
  if (!body) return null;
  return Array.isArray(body.proof) ? body.proof.map(String) : null;
}

function print(io: CliIo, r: AuditReport, name: string, gatewayChecked: boolean, state: { path: string; saved: AuditState | null } | null): void {
  io.stdout(`网关 gateway ${name} (${r.gateway})`);
  io.stdout(`  链上已锚定 anchored on chain: ${r.anchored}` + (gatewayChecked ? ` · 网关已封批 closed at the gateway: ${r.closed}` : ''));
  io.stdout(
    `  批次日志 batch log: 已锚定检查点 anchored checkpoints ${r.log.checkpoints} · 日志大小 log size ${r.log.size}` +
      ` · 逐批锚定 anchored one by one ${r.anchoredOneByOne}`,
  );
  if (!gatewayChecked) io.stdout('  未提供 --gateway-url：只核对链上记录，未核对批次头与签名 / chain only: headers and signatures not checked');
  else io.stdout(`  本次审计 audited: seq ${r.audited.from}..${r.audited.to - 1}` + (r.resumedFrom === null ? ' (全部历史 whole history)' : ` (自状态文件续审 resumed from the state file at ${r.resumedFrom})`));
  for (const f of r.findings) {
    const seq = f.through === undefined ? `${f.seq}` : `${f.seq}..${f.through}`;
    io.stdout(`  ${f.severity === 'error' ? '✗' : '!'} seq ${seq} ${TYPE_LABEL[f.type]} [${f.source}]: ${f.message}`);
  }
  if (r.truncated) io.stdout('  （每类只列出前若干条，计数为全部 / only the first findings of each type are listed; the counts hold them all）');
  const problems = Object.entries(r.counts).filter(([, n]) => n > 0);
  io.stdout(
    r.ok
      ? `  结果 result: 通过 PASSED${problems.length ? ` (${problems.map(([t, n]) => `${t} ${n}`).join(', ')})` : ''}`
      : `  结果 result: 未通过 FAILED (${problems.map(([t, n]) => `${t} ${n}`).join(', ')})`,
  );
  if (state?.saved) io.stdout(`  状态 state: 已保存至 saved to ${state.path}（已核验至 verified up to size ${state.saved.size}）`);
  else if (state) io.stdout(`  状态 state: 未推进 not advanced (${state.path})`);
}
