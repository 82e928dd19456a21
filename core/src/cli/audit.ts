import { auditGateway, collectViews, entityId, toHex, type AuditFinding, type AuditReport } from '../index.js';
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
};

/**
 * `evidence audit --gateway ID --rpc URL [--contract ADDRESS] [--gateway-url URL --token T] [--json]`
 * Walks every anchored batch of the gateway on chain and, with --gateway-url,
 * every header the gateway serves; see core/src/audit for what is checked.
 */
export async function auditCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['gateway', 'rpc', 'contract', 'gateway-url', 'token', 'grace-seconds']);
  allowOnly(args, ['gateway', 'rpc', 'contract', 'gateway-url', 'token', 'grace-seconds', 'json']);
  if (args.positionals.length > 0) throw new UsageError(`audit takes no FILE (got ${args.positionals[0]})`);
  const json = args.flags.has('json');
  const gatewayArg = stringFlag(args, 'gateway');
  const rpc = stringFlag(args, 'rpc');
  if (!gatewayArg) throw new UsageError('audit needs --gateway ID (64 hex digits, or the institution code)');
  if (!rpc) throw new UsageError('audit needs --rpc URL');
  const gateway = /^[0-9a-f]{64}$/.test(gatewayArg) ? gatewayArg : toHex(entityId(gatewayArg));
  const gatewayUrl = stringFlag(args, 'gateway-url');
  const token = stringFlag(args, 'token') ?? process.env.EVIDENCE_GATEWAY_TOKEN;
  const graceArg = stringFlag(args, 'grace-seconds');
  const graceSeconds = graceArg === undefined ? 600 : Number(graceArg);
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new UsageError('--grace-seconds must be a non-negative number');

  const anchor = await loadEvmAnchor(rpc, stringFlag(args, 'contract'));
  try {
    const source = gatewayUrl ? httpGatewaySource(gatewayUrl, token) : null;
    if (source) {
      const who = await source.identity();
      if (who.id !== gateway) throw new UsageError(`the gateway at ${gatewayUrl} is ${who.code} (${who.id}), not ${gatewayArg}`);
    }
    const onProgress = progressBar(json ? undefined : io.progress?.bind(io), '审计 auditing');
    const { chain, served } = await collectViews(anchor, gateway, source, { onProgress });
    const report = auditGateway(chain, served, { graceMs: graceSeconds * 1000 });
    if (json) io.stdout(JSON.stringify({ ...report, gatewayChecked: source !== null }));
    else print(io, report, gatewayArg, source !== null);
    return report.ok ? 0 : 1;
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

function print(io: CliIo, r: AuditReport, name: string, gatewayChecked: boolean): void {
  io.stdout(`网关 gateway ${name} (${r.gateway})`);
  io.stdout(`  链上已锚定 anchored on chain: ${r.anchored}` + (gatewayChecked ? ` · 网关已封批 closed at the gateway: ${r.closed}` : ''));
  if (!gatewayChecked) io.stdout('  未提供 --gateway-url：只核对链上记录，未核对批次头与签名 / chain only: headers and signatures not checked');
  for (const f of r.findings) {
    io.stdout(`  ${f.severity === 'error' ? '✗' : '!'} seq ${f.seq} ${TYPE_LABEL[f.type]} [${f.source}]: ${f.message}`);
  }
  const problems = Object.entries(r.counts).filter(([, n]) => n > 0);
  io.stdout(
    r.ok
      ? `  结果 result: 通过 PASSED${problems.length ? ` (${problems.map(([t, n]) => `${t} ${n}`).join(', ')})` : ''}`
      : `  结果 result: 未通过 FAILED (${problems.map(([t, n]) => `${t} ${n}`).join(', ')})`,
  );
}
