/**
 * evidence-node: runs one routing node from its configuration file.
 *
 *   evidence-node CONFIG.json          start, print one JSON "ready" line, serve until SIGTERM
 *   evidence-node CONFIG.json --init   create the node key if needed, print { code, id, publicKey }, exit
 *   --exit-with-parent                 also stop when stdin closes (a launcher that dies takes its nodes along)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildNodeServer } from './app.js';
import { nodeSettings, parseNodeConfig, requireLinkSecurity } from './config.js';
import { HttpClient } from './http/client.js';
import { loadTls, mutualTlsServerOptions } from './tls/tls-files.js';
import { loadOrCreateKey } from './keys/key-file.js';
import { openKeySource } from './keys/open.js';
import { RoutingNode, type Log } from './routing-node.js';
import { runMain, serveUntilStopped } from './process.js';

const HELP = `用法 usage: evidence-node CONFIG.json [--init] [--exit-with-parent]
  启动一个服务路由设备 (routing node) / start one routing node
  --init              只生成并打印节点密钥 / only create and print the node key
  --exit-with-parent  标准输入关闭时退出 / stop when stdin closes`;

async function main(argv: string[]): Promise<void> {
  const file = argv.find((a) => !a.startsWith('--'));
  if (!file || argv.includes('--help')) {
    console.log(HELP);
    process.exitCode = file ? 0 : 2;
    return;
  }
  const parsed = parseNodeConfig(JSON.parse(await readFile(file, 'utf8')));
  // One data folder for the node key and its witness state: a witness whose state were only in
  // memory could, restarted, cosign a checkpoint that forks one it cosigned before.
  const config = { ...parsed, dataDir: parsed.dataDir ?? join('.local', 'nodes', parsed.code) };
  const settings = nodeSettings(config);
  const key = await loadOrCreateKey(config.dataDir);
  if (argv.includes('--init')) {
    console.log(JSON.stringify({ code: settings.code, id: settings.id, publicKey: key.publicKey, created: key.created }));
    return;
  }
  requireLinkSecurity(settings);
  const tls = settings.tls ? await loadTls(settings.tls) : undefined;
  const source = await openKeySource(config);
  // The node logs through the server's logger, which exists only once the node does.
  const server: { app?: FastifyInstance } = {};
  const log: Log = {
    info: (obj, msg) => server.app?.log.info(obj, msg),
    warn: (obj, msg) => server.app?.log.warn(obj, msg),
  };
  const node = new RoutingNode({
    settings,
    signer: { id: settings.id, privateKey: key.privateKey, publicKey: key.publicKey },
    keys: source.keys,
    codes: source.codes,
    log,
    defaultMetrics: true,
    client: new HttpClient({ ...(tls ? { tls } : {}), plainHttp: settings.allowPlainHttp === true }),
  });
  const app = await buildNodeServer(node, { logger: { level: process.env.LOG_LEVEL ?? 'warn' }, ...(tls ? { https: mutualTlsServerOptions(tls, false) } : {}) });
  server.app = app;
  const address = await app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 0 });
  node.start();
  console.log(JSON.stringify({ ready: true, code: settings.code, id: settings.id, url: address, publicKey: key.publicKey }));
  serveUntilStopped(app, argv);
}

runMain(main);
