import { entityId, toHex } from '@evidence/core';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { RoutingError } from './errors.js';
import type { NeighbourRole } from './routing/export.js';
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
 *     "verifyWorkers": 1
 *   }
 *
 * A neighbour is named by `code` or `id` (id = SM3 of the code). A
 * `publicKey` given here pins that neighbour's key; otherwise it comes from the
 * directory or the chain. `role: "child"` marks a node below this one in a
 * hierarchy: it receives no routes, it sends its unknown destinations here.
 * `verifyWorkers`: threads that check hop signatures (default: one per core
 * beyond the first, at most 4; 0 checks them on the main thread).
 */
const Peer = Type.Object({
  code: Type.Optional(Type.String()),
  id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  url: Type.String({ pattern: '^http://' }),
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
  };
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
