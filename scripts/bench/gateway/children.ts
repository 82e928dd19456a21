import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_OPTIONS } from '@evidence/gateway';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Child {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Forks an entry of this repository with the gateway's node options, so both
 * sides of a comparison run on the same runtime settings. JavaScript entries
 * (the built gateway, gateway/dist/server.js, as deployed) run on plain node;
 * TypeScript entries run from sources through tsx. `stderr()` is what the
 * child has written there so far, for the error when it exits early.
 */
function forkEntry(entry: string, env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
  let err = '';
  const child = fork(`${ROOT}/${entry}`, [], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    execArgv: [...(/\.ts$/.test(entry) ? ['--conditions=source', '--import', 'tsx'] : []), ...GATEWAY_NODE_OPTIONS],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err };
}

/** Forks a server entry (the bare baseline too) and waits for its 'listening' message. */
export async function forkServer(entry: string, env: Record<string, string> = {}): Promise<Child> {
  const { child, stderr } = forkEntry(entry, env);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: { type?: string; url?: string }) => m.type === 'listening' && m.url && resolve(m.url));
    void exited.then(() => reject(new Error(`${entry} exited:\n${stderr()}`)));
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Forks an entry that measures something itself and resolves with its 'result' message. */
export async function runForResult<T>(entry: string, env: Record<string, string>): Promise<T> {
  const { child, stderr } = forkEntry(entry, env);
  return new Promise<T>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m.type === 'result' && resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before answering:\n${stderr()}`)));
  });
}

/** The bearer token every benchmark gateway accepts (ALLOW_BEARER, every role). */
export const BENCH_TOKEN = 'bench-token-with-every-role-000';

/**
 * The settings every benchmark gateway shares: plain on 127.0.0.1, a bearer
 * token, no chain, and rate limits lifted (the load generator is one client
 * on one address, far over any budget a hospital would set).
 */
export function benchGatewayEnv(code: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_CODE: code,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    ALLOW_BEARER: 'true',
    DEV_TOKEN: BENCH_TOKEN,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_ADDRESS_MAX: '100000000',
    ANCHOR: 'none',
    ...extra,
  };
}
