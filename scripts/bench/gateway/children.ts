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
 * Forks a server entry and waits for its 'listening' message. JavaScript
 * entries (the built gateway, gateway/dist/server.js, as deployed) run on plain
 * node; TypeScript entries run from sources through tsx. Every server, the bare
 * baseline too, runs with the gateway's node options, so both sides of a
 * comparison run on the same runtime settings.
 */
export async function forkServer(entry: string, env: Record<string, string> = {}): Promise<Child> {
  let err = '';
  const child = fork(`${ROOT}/${entry}`, [], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    execArgv: [...(/\.ts$/.test(entry) ? ['--conditions=source', '--import', 'tsx'] : []), ...GATEWAY_NODE_OPTIONS],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: { type?: string; url?: string }) => m.type === 'listening' && m.url && resolve(m.url));
    void exited.then(() => reject(new Error(`${entry} exited:\n${err}`)));
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

/** Forks a plain JavaScript entry with the gateway's node options and resolves with its 'result' message. */
export async function runForResult<T>(entry: string, env: Record<string, string>): Promise<T> {
  let err = '';
  const child = fork(`${ROOT}/${entry}`, [], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    execArgv: [...GATEWAY_NODE_OPTIONS],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<T>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m.type === 'result' && resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before answering:\n${err}`)));
  });
}
