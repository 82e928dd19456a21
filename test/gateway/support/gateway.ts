/**
 * Gateways for end-to-end tests: in this process (createGateway, listening on
 * 127.0.0.1:0) or as a child process running gateway/src/server.ts exactly as
 * `npm start` does, so it can be SIGKILLed. Plus a small HTTP client.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Anchor, AnyProofBundle } from '@evidence/core';
import { createGateway, loadConfig, loadOrCreateKeys, type Gateway } from '@evidence/gateway';

export const DEV_TOKEN = 'test-dev-token-with-every-role';
const SERVER = fileURLToPath(new URL('../../../gateway/src/server.ts', import.meta.url));
/** The crash tests' entry: server.ts's start with a fault named by FAULT_KILL_AT (fault-server.ts). */
export const FAULT_SERVER = fileURLToPath(new URL('./fault-server.ts', import.meta.url));

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The SM2 public key a gateway will use, created in its data folder before its first start. */
export async function gatewayPublicKey(dataDir: string): Promise<string> {
  return (await loadOrCreateKeys(dataDir)).sm2.publicKey;
}

export function baseEnv(code: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_CODE: code,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    ALLOW_BEARER: 'true',
    DEV_TOKEN,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export function evmEnv(rpcUrl: string, contract: string, privateKey: string, fromBlock = 0): Record<string, string> {
  return { ANCHOR: 'evm', EVM_RPC_URL: rpcUrl, EVM_CONTRACT: contract, EVM_PRIVATE_KEY: privateKey, EVM_FROM_BLOCK: String(fromBlock) };
}

export interface RunningGateway {
  url: string;
  client: GatewayClient;
  close(): Promise<void>;
}

export async function startGateway(env: Record<string, string>, overrides: { anchor?: Anchor | null } = {}): Promise<RunningGateway & { gateway: Gateway }> {
  const gateway = await createGateway(loadConfig(env), { ...overrides, logger: false });
  const url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return { gateway, url, client: new GatewayClient(url, DEV_TOKEN), close: () => gateway.close() };
}

export interface GatewayProcess extends RunningGateway {
  child: ChildProcess;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
  stderr(): string;
}

/** Runs gateway/src/server.ts (or another entry, e.g. FAULT_SERVER) in a child process; resolves once it listens. */
export async function spawnGateway(env: Record<string, string>, entry = SERVER): Promise<GatewayProcess> {
  let err = '';
  const child = fork(entry, [], {
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${err}`)), 60_000);
    child.on('message', (m: { type?: string; url?: string }) => {
      if (m.type === 'listening' && m.url) {
        clearTimeout(timer);
        resolve(m.url);
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${how}) before listening:\n${err}`));
    });
  });
  return {
    url,
    child,
    exited,
    client: new GatewayClient(url, DEV_TOKEN),
    stderr: () => err,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class GatewayClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
  }

  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<Reply<T>> {
    return this.request<T>('POST', path, body);
  }

  get<T = Record<string, unknown>>(path: string): Promise<Reply<T>> {
    return this.request<T>('GET', path);
  }

  async heads(): Promise<{ closed: number; anchored: number; pendingLeaves: number }> {
    return (await this.get<{ closed: number; anchored: number; pendingLeaves: number }>('/v1/batches')).body;
  }

  async proof(id: string): Promise<Reply<AnyProofBundle>> {
    return this.get<AnyProofBundle>(`/v1/evidence/${id}/proof`);
  }
}

/** Waits until every acknowledged leaf is batched and every batch anchored. */
export async function settled(client: GatewayClient, timeoutMs = 60_000): Promise<{ closed: number; anchored: number }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const h = await client.heads();
    if (h.pendingLeaves === 0 && h.closed >= 0 && h.anchored === h.closed) return h;
    if (Date.now() > end) throw new Error(`not settled in ${timeoutMs} ms: ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** An Anchor whose answers come from the chain once per (call, gateway, seq or size): verifying 10 000 bundles of a few batches. */
export function memoAnchor(anchor: Anchor): Anchor {
  const cache = new Map<string, Promise<unknown>>();
  const memo = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    if (!cache.has(key)) cache.set(key, f());
    return cache.get(key) as Promise<T>;
  };
  return {
    chain: anchor.chain,
    anchor: (h, s) => anchor.anchor(h, s),
    latest: (g) => anchor.latest(g),
    batch: (g, s) => memo(`b${g}${s}`, () => anchor.batch(g, s)),
    keyAt: (g, s) => memo(`k${g}${s}`, () => anchor.keyAt(g, s)),
    anchorCheckpoint: (c, p, s) => anchor.anchorCheckpoint(c, p, s),
    latestCheckpoint: (g) => anchor.latestCheckpoint(g),
    checkpointAt: (g, s) => memo(`c${g}${s}`, () => anchor.checkpointAt(g, s)),
    checkpoints: (g, f, l) => anchor.checkpoints(g, f, l),
    checkpointReceipt: (g, s) => memo(`r${g}${s}`, () => anchor.checkpointReceipt(g, s)),
  };
}

const WORKER = fileURLToPath(new URL('../../../gateway/src/worker.ts', import.meta.url));

/** Runs gateway/src/worker.ts (anchoring and webhook jobs from Redis) in a child process. */
export async function spawnWorker(env: Record<string, string>): Promise<{ child: ChildProcess; stop(): Promise<void>; output(): string }> {
  let out = '';
  const child = fork(WORKER, [], {
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 60_000);
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`worker exited before it was ready:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
