import type { StackGateway } from './gateways.js';

interface Health {
  anchoring: { state: string; message: string; problem?: string };
}

/** Waits (briefly) for each gateway's anchoring state after its chain check. */
export async function anchoringStates(gateways: StackGateway[], timeoutMs = 15_000): Promise<Map<string, Health['anchoring']>> {
  const out = new Map<string, Health['anchoring']>();
  const end = Date.now() + timeoutMs;
  for (const g of gateways) {
    for (;;) {
      const h = (await (await fetch(`${g.url}/healthz`)).json()) as Health;
      if (h.anchoring.state !== 'checking' || Date.now() > end) {
        out.set(g.code, h.anchoring);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return out;
}

export function banner(
  rpcUrl: string,
  contract: string,
  gateways: StackGateway[],
  states: Map<string, Health['anchoring']>,
  stackFile: string,
  witnesses: { code: string; url: string }[] = [],
  quorum = 0,
): string {
  const first = gateways[0]!;
  const lines = [
    '',
    '=== Evidence network is up / 存证网络已启动 ===',
    `chain / 区块链           ${rpcUrl}`,
    `EvidenceAnchor           ${contract}`,
    ...gateways.flatMap((g) => {
      const s = states.get(g.code);
      const anchoring = s?.state === 'ready' ? 'anchoring ready / 锚定就绪' : `ANCHORING ${s?.state?.toUpperCase()} / 锚定未就绪: ${s?.message}`;
      return [`gateway / 网关 ${g.code}  ${g.url}   docs / 文档 ${g.url}/docs`, `    ${anchoring}`];
    }),
    ...(witnesses.length > 0
      ? [
          `witnesses / 见证方       ${witnesses.map((w) => w.code).join(', ')}  (each gateway waits for ${quorum} cosignatures of the others per checkpoint / 每个检查点等待其他 ${quorum} 方联署)`,
        ]
      : []),
    `stack file / 描述文件    ${stackFile}  (dev tokens with every role / 含全权限开发令牌)`,
    '',
    'Record an event / 记录一条存证:',
    `  curl -s -X POST ${first.url}/v1/evidence \\`,
    `    -H 'authorization: Bearer ${first.token}' -H 'content-type: application/json' \\`,
    `    -d '{"kind":"appointment","subject":{"idNumber":"110105194912310021"},"payload":{"orderId":"GH-0001","department":"心内科","scheduledAt":1763800000000,"state":"paid","changedAt":1763800000000}}'`,
    'Then, about a second later, its proof / 约一秒后获取证明:',
    `  curl -s -H 'authorization: Bearer ${first.token}' ${first.url}/v1/evidence/<id>/proof`,
    '',
    'Ctrl-C stops everything / 按 Ctrl-C 全部停止',
  ];
  return lines.join('\n');
}
