import { join } from 'node:path';
import { entityId, toHex } from '@evidence/core';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { RoutingError } from './errors.js';
import type { NeighbourRole } from './routing/export.js';
import type { TlsFiles } from './tls/tls-files.js';
import { defaultVerifyWorkers } from './verify/signature-pool.js';

/**
 * A routing node's configuration file (JSON). Example:
 *
 *   {
 *     "code": "RN-HZ-01",
 *     "host": "127.0.0.1", "port": 7101,
 *     "dataDir": ".local/nodes/RN-HZ-01",
 *     "directory": { "file": ".local/directory.json", "operatorKey": "04…" },
 *     "neighbours": [{ "code": "RN-NB-01", "url": "http://127.0.0.1:7102", "publicKey": "04…" }],
 *     "parent": { "code": "RN-ZJ-00", "url": "http://127.0.0.1:7100" },
 *     "limits": { "bodyBytes": 1048576, "maxHops": 16, "timeoutMs": 10000 },
 *     "timers": { "keepaliveMs": 5000, "holdMs": 15000 },
 *     "verifyWorkers": 1,
 *     "witness": { "enabled": true, "toleranceMs": 10000, "keyCacheMs": 5000 },
 *     "tls": { "ca": ".local/tls/ca.pem", "cert": ".local/tls/RN-HZ-01.pem", "key": ".local/tls/RN-HZ-01-key.pem" }
 *   }
 *
 * `tls`: mutual TLS on every link (the node's listener and its calls to
 * neighbours and gateways), certificates from the network's CA by file path;
 * neighbours' URLs are then https. Without it the node refuses to start
 * unless `allowPlainHttp` is true (development only: plain links, and
 * requests in clear forwarded too).
 *
 * A neighbour is named by `code` or `id` (id = SM3 of the code). A
 * `publicKey` given here pins that neighbour's key; otherwise it comes from the
 * directory or the chain. `role: "child"` marks a node below this one in a
 * hierarchy: it receives no routes, it sends its unknown destinations here.
 * `verifyWorkers`: threads that check hop signatures (default: one per core
 * beyond the first, at most 4; 0 checks them on the main thread).
 * `witness`: every node is a witness of gateways' checkpoints (node/src/witness)
 * unless `enabled` is false; `toleranceMs` is how far a checkpoint's time may be
 * from the node's clock, `keyCacheMs` how long gateway keys read from the
 * registry are reused. Its state is kept in `<dataDir>/witness`.
 */
const Peer = Type.Object({
  code: Type.Optional(Type.String()),
  id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  url: Type.String({ pattern: '^https?://' }),
  publicKey: Type.Optional(Type.String({ pattern: '^04[0-9a-f]{128}$' })),
  role: Type.Optional(Type.Union([Type.Literal('peer'), Type.Literal('child')])),
});

export const NodeConfigSchema = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  host: Type.Optional(Type.String()),
  port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  dataDir: Type.Optional(Type.String()),
  directory: Type.Optional(Type.Object({ file: Type.String(), operatorKey: Type.String({ pattern: '^04[0-9a-f]{128}$' }) })),
  chain: Type.Optional(
    Type.Object({
      rpcUrl: Type.String(),
      contract: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' }),
    }),
  ),
  neighbours: Type.Optional(Type.Array(Peer)),
  parent: Type.Optional(Peer),
  limits: Type.Optional(
    Type.Object({
      bodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
      peerBodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
      maxHops: Type.Optional(Type.Integer({ minimum: 2, maximum: 64 })),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
  ),
  timers: Type.Optional(
    Type.Object({
      keepaliveMs: Type.Optional(Type.Integer({ minimum: 50 })),
      holdMs: Type.Optional(Type.Integer({ minimum: 100 })),
    }),
  ),
  verifyWorkers: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
  tls: Type.Optional(Type.Object({ ca: Type.String({ minLength: 1 }), cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
  allowPlainHttp: Type.Optional(Type.Boolean()),
  witness: Type.Optional(
    Type.Object(
      {
        enabled: Type.Optional(Type.Boolean()),
        toleranceMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
        keyCacheMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
      },
      { additionalProperties: false },
    ),
  ),
});
export type NodeConfigFile = Type.Static<typeof NodeConfigSchema>;
const configValidator = Compile(NodeConfigSchema);

export interface Neighbour {
  id: string;
  url: string;
  role: NeighbourRole;
  code?: string;
  publicKey?: string;
}

export interface NodeLimits {
  /** Largest forwarded request or answer, bytes. */
  bodyBytes: number;
  /** Largest peer message (a full route table), bytes. */
  peerBodyBytes: number;
  /** Longest chain this node extends (origin included). */
  maxHops: number;
  /** Longest wait for the next hop, ms (less when the sender's budget is smaller). */
  timeoutMs: number;
}

export interface NodeTimers {
  /** How often a node tells each neighbour it is alive (an empty update). */
  keepaliveMs: number;
  /** How long routes of a silent neighbour are kept. */
  holdMs: number;
}

/** The witness a node hosts (node/src/witness). */
export interface WitnessSettings {
  enabled: boolean;
  /** Largest |checkpoint.ts - the node's clock| a witness cosigns (ms). */
  toleranceMs: number;
  /** How long a gateway key read from the registry is reused (ms); 0: read every time. */
  keyCacheMs: number;
}

export const DEFAULT_WITNESS: WitnessSettings = { enabled: true, toleranceMs: 10_000, keyCacheMs: 5_000 };

export const DEFAULT_LIMITS: NodeLimits = { bodyBytes: 1 << 20, peerBodyBytes: 64 << 20, maxHops: 16, timeoutMs: 10_000 };
export const DEFAULT_TIMERS: NodeTimers = { keepaliveMs: 5_000, holdMs: 15_000 };

export interface NodeSettings {
  code: string;
  id: string;
  neighbours: Neighbour[];
  limits: NodeLimits;
  timers: NodeTimers;
  /** Worker threads checking hop signatures; 0: on the main thread. */
  verifyWorkers: number;
  /** The data folder the configuration names; without one, a hosted witness keeps its state in memory only. */
  dataDir?: string;
  /** The registry the configuration names, which the hosted witness reads gateway keys from. */
  chain?: { rpcUrl: string; contract: string };
  directory?: { file: string; operatorKey: string };
  /** The hosted witness; absent means the defaults (DEFAULT_WITNESS). */
  witness?: WitnessSettings;
  /** Mutual TLS on the node's links (file paths). */
  tls?: TlsFiles;
  /** Plain http links (and requests in clear) allowed: development only. */
  allowPlainHttp?: boolean;
}

export function parseNodeConfig(input: unknown): NodeConfigFile {
  if (!configValidator.Check(input)) {
    const first = [...configValidator.Errors(input)][0];
    throw new RoutingError('BAD_REQUEST', `node config: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`);
  }
  return input;
}

/** Resolves codes to ids and fills defaults. The parent becomes a neighbour with role "parent". */
export function nodeSettings(config: NodeConfigFile): NodeSettings {
  const neighbours = (config.neighbours ?? []).map((n) => neighbour(n, n.role ?? 'peer'));
  if (config.parent) neighbours.push(neighbour(config.parent, 'parent'));
  return {
    code: config.code,
    id: toHex(entityId(config.code)),
    neighbours,
    limits: { ...DEFAULT_LIMITS, ...config.limits },
    timers: { ...DEFAULT_TIMERS, ...config.timers },
    verifyWorkers: config.verifyWorkers ?? defaultVerifyWorkers(),
    ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}),
    ...(config.chain ? { chain: config.chain } : {}),
    ...(config.directory ? { directory: config.directory } : {}),
    witness: { ...DEFAULT_WITNESS, ...config.witness },
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.allowPlainHttp !== undefined ? { allowPlainHttp: config.allowPlainHttp } : {}),
  };
}

/** A node process refuses to start on plain links unless told so (development). */
export function requireLinkSecurity(settings: NodeSettings): void {
  if (!settings.tls && settings.allowPlainHttp !== true) {
    throw new RoutingError('BAD_REQUEST', 'node config: tls { ca, cert, key } is required on the links between institutions (allowPlainHttp: true for development only) / 机构间链路须配置双向 TLS');
  }
}

export function neighbour(n: { code?: string; id?: string; url: string; publicKey?: string }, role: NeighbourRole): Neighbour {
  const id = n.code !== undefined ? toHex(entityId(n.code)) : n.id;
  if (id === undefined) throw new RoutingError('BAD_REQUEST', `node config: neighbour ${n.url} needs a code or an id`);
  if (n.id !== undefined && n.id !== id) throw new RoutingError('BAD_REQUEST', `node config: neighbour ${n.url}: id is not SM3 of its code`);
  const out: Neighbour = { id, url: n.url.replace(/\/+$/, ''), role };
  if (n.code !== undefined) out.code = n.code;
  if (n.publicKey !== undefined) out.publicKey = n.publicKey;
  return out;
}

/**
 * A standalone witness (node/src/witness/server.ts) for a regulator or a
 * court, configured by environment:
 *
 *   WITNESS_CODE          its registered code; its id is SM3(code)             (required)
 *   DATA_DIR              its SM2 key and its state (default .local/witnesses/<code>)
 *   HOST, PORT            where it listens (default 127.0.0.1, a free port)
 *   EVM_RPC_URL, EVM_CONTRACT                 gateway keys from EvidenceAnchor on chain, or
 *   DIRECTORY_FILE, DIRECTORY_OPERATOR_KEY    from the operator's signed directory
 *   WITNESS_TOLERANCE_MS  largest |checkpoint.ts - its clock| (default 10000)
 *   WITNESS_KEY_CACHE_MS  how long a gateway key read is reused (default 5000)
 *   LOG_LEVEL             default info (forks are logged at error level)
 */
export interface StandaloneWitnessSettings {
  code: string;
  id: string;
  dataDir: string;
  host: string;
  port: number;
  toleranceMs: number;
  keyCacheMs: number;
  chain?: { rpcUrl: string; contract: string };
  directory?: { file: string; operatorKey: string };
  logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function standaloneWitnessSettings(env: Record<string, string | undefined> = process.env): StandaloneWitnessSettings {
  const problems: string[] = [];
  const int = (name: string, fallback: number, max: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!/^[0-9]{1,10}$/.test(v) || Number(v) > max) {
      problems.push(`${name}: an integer in 0..${max}`);
      return fallback;
    }
    return Number(v);
  };
  const code = env.WITNESS_CODE ?? '';
  if (code.length < 1 || code.length > 64) problems.push('WITNESS_CODE: required, 1 to 64 characters (the registered code)');
  const port = int('PORT', 0, 65535);
  const toleranceMs = int('WITNESS_TOLERANCE_MS', DEFAULT_WITNESS.toleranceMs, 3_600_000);
  const keyCacheMs = int('WITNESS_KEY_CACHE_MS', DEFAULT_WITNESS.keyCacheMs, 600_000);
  let chain: StandaloneWitnessSettings['chain'];
  if (env.EVM_RPC_URL || env.EVM_CONTRACT) {
    if (!env.EVM_RPC_URL || !/^0x[0-9a-fA-F]{40}$/.test(env.EVM_CONTRACT ?? '')) problems.push('EVM_RPC_URL and EVM_CONTRACT (0x + 40 hex digits) go together');
    else chain = { rpcUrl: env.EVM_RPC_URL, contract: env.EVM_CONTRACT! };
  }
  let directory: StandaloneWitnessSettings['directory'];
  if (env.DIRECTORY_FILE || env.DIRECTORY_OPERATOR_KEY) {
    if (!env.DIRECTORY_FILE || !/^04[0-9a-f]{128}$/.test(env.DIRECTORY_OPERATOR_KEY ?? '')) problems.push('DIRECTORY_FILE and DIRECTORY_OPERATOR_KEY (04 + 128 hex digits) go together');
    else directory = { file: env.DIRECTORY_FILE, operatorKey: env.DIRECTORY_OPERATOR_KEY! };
  }
  if (!chain && !directory && problems.length === 0) problems.push('gateway keys: give EVM_RPC_URL and EVM_CONTRACT, or DIRECTORY_FILE and DIRECTORY_OPERATOR_KEY');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL: one of ${LOG_LEVELS.join(', ')}`);
  if (problems.length > 0) throw new RoutingError('BAD_REQUEST', `witness config / 见证节点配置: ${problems.join('; ')}`);
  return {
    code,
    id: toHex(entityId(code)),
    dataDir: env.DATA_DIR || join('.local', 'witnesses', code),
    host: env.HOST || '127.0.0.1',
    port,
    toleranceMs,
    keyCacheMs,
    ...(chain ? { chain } : {}),
    ...(directory ? { directory } : {}),
    logLevel,
  };
}
