/**
 * `npm run network -- <topology>`: starts a routing network from a topology
 * file (scripts/topologies/star.json, hierarchy.json, mesh.json or your own):
 * its routing nodes, the gateway of every institution with a sample internal
 * service, keys from a directory signed by a local operator key. Everything
 * listens on 127.0.0.1; state lives in .local/network/<name>/, described in
 * its network.json. Ctrl-C stops it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNetwork } from './topologies/network.js';
import { parseTopology } from './topologies/topology.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const HELP = `npm run network -- <star|hierarchy|mesh|FILE.json> [--dir PATH] [--processes]

启动路由网络 / Starts a routing network:
  the routing nodes of the topology (服务路由设备), linked as it says (星型 star / 分级 hierarchy / 网状 mesh),
  one gateway per institution (服务开放设备) with a sample internal service (EMR query, prescription review, echo),
  keys from a directory signed by a local operator key (.local/network/<name>/directory.json).
Writes .local/network/<name>/network.json (nodes, gateways, tokens, services). Ctrl-C stops everything. / 按 Ctrl-C 全部停止。

  --dir PATH     state folder (default .local/network/<name>)     状态目录
  --processes    run every routing node as its own process        每个路由设备独立进程运行
  --plain        plain http links and requests in clear (development only)   明文链路（仅限开发）
Links between gateways and nodes are mutual TLS with certificates from a local CA in <dir>/tls
(ECDSA P-256, made on first start); requests between institutions are sealed end to end.
机构间链路为双向 TLS（证书由 <dir>/tls 下的本地 CA 签发），跨机构请求端到端加密。

Try / 试一试:
  curl -s -X POST -H "authorization: Bearer <token>" -H "content-type: application/json" \\
       -d '{"patient":"p-001","scope":["Observation"]}' <gateway-url>/v1/remote/<institution>/emr.query/query`;

async function main(argv: string[]): Promise<void> {
  const name = argv.find((a) => !a.startsWith('--'));
  if (!name || argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    process.exitCode = name ? 0 : 2;
    return;
  }
  const file = name.endsWith('.json') ? resolve(name) : join(ROOT, 'scripts/topologies', `${name}.json`);
  const topology = parseTopology(JSON.parse(await readFile(file, 'utf8')));
  const dirFlag = argv.indexOf('--dir');
  const dir = dirFlag >= 0 && argv[dirFlag + 1] ? resolve(argv[dirFlag + 1]!) : join(ROOT, '.local', 'network', topology.name);

  const net = await startNetwork(topology, {
    dir,
    token: await devToken(dir),
    log: true,
    ...(argv.includes('--processes') ? { processNodes: topology.nodes.map((n) => n.code) } : {}),
    ...(argv.includes('--plain') ? { plain: true } : {}),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping / 正在停止 ...');
    await net.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await net.converged(30_000).catch((e: Error) => console.warn(`WARNING / 警告: ${e.message}`));

  const description = {
    topology: topology.name,
    directory: net.directoryFile,
    operatorKey: net.operator.publicKey,
    nodes: [...net.nodes.values()].map((n) => ({ code: n.code, id: n.id, url: n.url })),
    gateways: [...net.gateways.values()].map((g) => ({
      code: g.code,
      id: g.id,
      url: g.url,
      node: g.node,
      token: net.token,
      services: topology.gateways.find((t) => t.code === g.code)!.services.map((s) => ({ name: s.name, allow: s.allow, kind: s.kind ?? null, internalUrl: g.service.url + s.path })),
    })),
  };
  const out = join(dir, 'network.json');
  await writeFile(out, `${JSON.stringify(description, null, 2)}\n`, { mode: 0o600 });

  const [a, b] = [...net.gateways.values()];
  console.log(`
路由网络已启动 / routing network "${topology.name}" is up
  路由设备 routing nodes: ${description.nodes.map((n) => `${n.code} ${n.url}`).join(', ')}
  服务开放设备 gateways:  ${description.gateways.map((g) => `${g.code} ${g.url} (via ${g.node})`).join(', ')}
  描述文件 description:   ${out}
${
  a && b
    ? `
  ${a.code} 调阅 ${b.code} 的病历 / ${a.code} queries ${b.code}'s EMR:
    curl -s -X POST -H "authorization: Bearer ${net.token}" -H "content-type: application/json" \\
         -d '{"patient":"p-001","scope":["Observation"]}' ${a.url}/v1/remote/${b.code}/emr.query/query
  轨迹 trace:  curl -s -H "authorization: Bearer ${net.token}" ${a.url}/v1/traces/<requestId> > trace.json
  验证 verify: node core/bin/evidence.js verify-trace trace.json`
    : ''
}
按 Ctrl-C 停止 / Ctrl-C stops it.`);
}

/** The development token of every gateway of this network, created once (mode 0600). */
async function devToken(dir: string): Promise<string> {
  const file = join(dir, 'dev-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dir, { recursive: true });
    const token = `dev-${randomBytes(24).toString('hex')}`;
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    return token;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`npm run network failed / 启动失败: ${(e as Error).message}`);
  process.exit(1);
});
