/**
 * A standalone witness (见证节点) for a regulator or a court: cosigns
 * gateways' checkpoints with its own key and keeps its own state, configured
 * by environment (standaloneWitnessSettings in ../config.ts).
 *
 *   npm run witness -w @evidence/node                 start, print one JSON "ready" line, serve until SIGTERM
 *   npm run witness -w @evidence/node -- --init       create the key if needed, print { code, id, publicKey }, exit
 *   --exit-with-parent                                also stop when stdin closes
 */
import type { FastifyInstance } from 'fastify';
import { standaloneWitnessSettings } from '../config.js';
import { loadOrCreateKey } from '../keys/key-file.js';
import { buildWitnessServer, standaloneWitness } from './app.js';
import { runMain, serveUntilStopped } from '../process.js';

const HELP = `用法 usage: WITNESS_CODE=... (EVM_RPC_URL=... EVM_CONTRACT=... | DIRECTORY_FILE=... DIRECTORY_OPERATOR_KEY=...) npm run witness -w @evidence/node [-- --init]
  启动一个独立见证节点（监管机构、法院）/ start a standalone witness (a regulator, a court)
  DATA_DIR              密钥与见证状态目录 / its key and state (default .local/witnesses/<code>)
  HOST, PORT            监听地址 / where it listens (default 127.0.0.1, a free port)
  WITNESS_TOLERANCE_MS  检查点时间容差 / clock tolerance (default 10000)
  WITNESS_KEY_CACHE_MS  网关公钥缓存时间 / gateway key cache (default 5000)
  --init                只生成并打印密钥 / only create and print the key
  --exit-with-parent    标准输入关闭时退出 / stop when stdin closes`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(HELP);
    return;
  }
  const settings = standaloneWitnessSettings(process.env);
  const key = await loadOrCreateKey(settings.dataDir);
  if (argv.includes('--init')) {
    console.log(JSON.stringify({ code: settings.code, id: settings.id, publicKey: key.publicKey, created: key.created }));
    return;
  }
  const { witness, registry } = await standaloneWitness(settings, key);
  const app: FastifyInstance = await buildWitnessServer(witness, registry, { logger: { level: settings.logLevel } });
  const url = await app.listen({ host: settings.host, port: settings.port });
  console.log(JSON.stringify({ ready: true, code: settings.code, ...witness.info(), url }));
  serveUntilStopped(app, argv);
}

runMain(main);
