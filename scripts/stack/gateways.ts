import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { entityId, toHex } from '@evidence/core';
import { localAccounts } from '@evidence/contracts';
import { GATEWAY_NODE_OPTIONS, loadOrCreateKeys } from '@evidence/gateway';
import { ROOT } from './options.js';

export interface StackGateway {
  code: string;
  id: string;
  url: string;
  token: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export interface PreparedGateway {
  code: string;
  id: string;
  dataDir: string;
  publicKey: string;
  token: string;
  /** Index of the Hardhat development account that anchors for it. */
  account: number;
}

/** The gateway's data folder, its keys (created on first start) and its development token, all reused. */
export async function prepareGateway(dir: string, code: string, index: number): Promise<PreparedGateway> {
  const dataDir = join(dir, 'gateways', code);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = await loadOrCreateKeys(dataDir);
  const tokenPath = join(dataDir, 'dev-token');
  if (!existsSync(tokenPath)) writeFileSync(tokenPath, `dev-${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return { code, id: toHex(entityId(code)), dataDir, publicKey: keys.sm2.publicKey, token: readFileSync(tokenPath, 'utf8').trim(), account: index + 1 };
}

/**
 * A port free on 127.0.0.1 now. Each gateway's witnesses include the other
 * gateways, so every gateway's URL must be known before the first one starts.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts gateway/src/server.ts as a child process; resolves once it listens. */
export async function spawnStackGateway(
  g: PreparedGateway,
  chain: { rpcUrl: string; contract: string; fromBlock: number },
  port: number,
  say: (m: string) => void,
  extraEnv: Record<string, string> = {},
): Promise<StackGateway> {
  const child = fork(join(ROOT, 'gateway/src/server.ts'), [], {
    cwd: ROOT,
    execArgv: ['--conditions=source', '--import', 'tsx', ...GATEWAY_NODE_OPTIONS],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      GATEWAY_CODE: g.code,
      DATA_DIR: g.dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      ANCHOR: 'evm',
      EVM_RPC_URL: chain.rpcUrl,
      EVM_CONTRACT: chain.contract,
      EVM_PRIVATE_KEY: localAccounts()[g.account]!.privateKey,
      EVM_FROM_BLOCK: String(chain.fromBlock),
      ALLOW_BEARER: 'true',
      DEV_TOKEN: g.token,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...extraEnv,
    },
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => say(`[${g.code}] ${readable(line)}`));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: { type?: string; url?: string }) => {
      if (m.type === 'listening' && m.url) resolve(m.url);
    });
    void exited.then(() => reject(new Error(`gateway ${g.code} exited before listening (port ${port} in use? try --gateway-port) / 网关 ${g.code} 启动失败`)));
  });
  return { code: g.code, id: g.id, url, token: g.token, child, exited };
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** pino JSON lines to "LEVEL message"; anything else as is. */
function readable(line: string): string {
  try {
    const o = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    return `${LEVELS[o.level ?? 30] ?? ''} ${o.msg ?? ''}${o.err?.message ? `: ${o.err.message}` : ''}`.trim();
  } catch {
    return line;
  }
}

export async function stopGateway(g: StackGateway): Promise<void> {
  if (g.child.exitCode !== null || g.child.signalCode !== null) return;
  g.child.kill('SIGTERM');
  const timer = setTimeout(() => g.child.kill('SIGKILL'), 5000);
  await g.exited;
  clearTimeout(timer);
}
