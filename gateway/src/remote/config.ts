import { entityId, toHex, type EvidenceKindName } from '@evidence/core';
import { RoutingError, type TlsFiles } from '@evidence/node';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { AUTOMATIC_KINDS } from './evidence.js';

/**
 * The remote-call configuration of a gateway (JSON file named by
 * REMOTE_CONFIG). Example:
 *
 *   {
 *     "node": { "code": "RN-HZ-01", "url": "https://127.0.0.1:7101" },
 *     "tls": { "ca": ".local/tls/ca.pem", "cert": ".local/tls/H330100001.pem", "key": ".local/tls/H330100001-key.pem" },
 *     "network": { "host": "127.0.0.1", "port": 7201 },
 *     "directory": { "file": ".local/directory.json", "operatorKey": "04…" },
 *     (or "chain": { "rpcUrl": "http://127.0.0.1:8545", "contract": "0x…" } for keys from the on-chain registry)
 *     "services": [
 *       { "name": "emr.query", "url": "http://127.0.0.1:9001/emr", "allow": ["H330100002"], "kind": "record-access" },
 *       { "name": "rx.review", "url": "http://127.0.0.1:9001/rx", "allow": "*" }
 *     ]
 *   }
 *
 * `services` are this institution's internal services published to the
 * network: `allow` names the institutions that may call each ("*" for any
 * registered institution) and `kind` the evidence recorded automatically for
 * every call (a record-access event for an EMR query, for example), besides
 * the hop-trace both gateways always record. A caller's path is appended to
 * the service's `url` and may not lead above it: publishing
 * `http://127.0.0.1:9001/emr` exposes `/emr/…` of that host, nothing else.
 *
 * The links to the routing node use mutual TLS with the `tls` files (the
 * network CA, this gateway's certificate with its code as CN, and its key):
 * deliveries from the node arrive on a listener of their own at `network`
 * (default 127.0.0.1 on a free port), never on the hospital-facing API.
 * Requests are sealed end to end to the destination gateway (core/src/envelope)
 * unless `seal` is false. Without `tls` the gateway refuses to start unless
 * `allowPlainHttp` is true (development: plain links, /v1/deliver on the
 * main API); `seal: false` needs it too (the routing benchmark's baseline).
 */
const Service = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }),
    url: Type.String({ pattern: '^https?://' }),
    allow: Type.Union([Type.Literal('*'), Type.Array(Type.String({ minLength: 1, maxLength: 64 }))]),
    kind: Type.Optional(Type.String()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const RemoteConfigSchema = Type.Object(
  {
    node: Type.Object(
      {
        code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
        url: Type.String({ pattern: '^https?://' }),
      },
      { additionalProperties: false },
    ),
    tls: Type.Optional(Type.Object({ ca: Type.String({ minLength: 1 }), cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    /** Where deliveries from the routing node arrive over mutual TLS. */
    network: Type.Optional(
      Type.Object({ host: Type.Optional(Type.String({ minLength: 1 })), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false }),
    ),
    allowPlainHttp: Type.Optional(Type.Boolean()),
    seal: Type.Optional(Type.Boolean()),
    directory: Type.Optional(
      Type.Object({ file: Type.String(), operatorKey: Type.String({ pattern: '^04[0-9a-f]{128}$' }) }, { additionalProperties: false }),
    ),
    /** Keys from the on-chain registry (EvidenceAnchor) instead of the directory. */
    chain: Type.Optional(
      Type.Object({ rpcUrl: Type.String({ pattern: '^https?://' }), contract: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' }) }, { additionalProperties: false }),
    ),
    /** How the routing node reaches this gateway; defaults to the address it listens on. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    services: Type.Array(Service, { maxItems: 10_000 }),
    limits: Type.Optional(
      Type.Object(
        {
          bodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
          maxHops: Type.Optional(Type.Integer({ minimum: 2, maximum: 64 })),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
          /** Oldest origin hop accepted for delivery; also how long request ids are remembered against replay. */
          maxAgeMs: Type.Optional(Type.Integer({ minimum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    publishTtlMs: Type.Optional(Type.Integer({ minimum: 300 })),
    /** Threads checking hop signatures (default: one per core beyond the first, at most 4; 0: the main thread). */
    verifyWorkers: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
  },
  { additionalProperties: false },
);
export type RemoteConfigFile = Type.Static<typeof RemoteConfigSchema>;
const validator = Compile(RemoteConfigSchema);

export interface PublishedService {
  name: string;
  url: string;
  /** Institutions allowed to call, by id (SM3 of the code) with their codes, or "*" for any registered one. */
  allow: '*' | ReadonlyMap<string, string>;
  kind?: EvidenceKindName;
  timeoutMs: number;
}

export interface RemoteLimits {
  bodyBytes: number;
  maxHops: number;
  timeoutMs: number;
  maxAgeMs: number;
}

export interface RemoteSettings {
  node: { id: string; url: string };
  publicUrl?: string;
  services: Map<string, PublishedService>;
  limits: RemoteLimits;
  publishTtlMs: number;
  /** Threads checking hop signatures; 0: the main thread; absent: the default (defaultVerifyWorkers). */
  verifyWorkers?: number;
  /** Mutual TLS on the links to the routing node (file paths). */
  tls?: TlsFiles;
  /** The listener deliveries arrive on when `tls` is set. */
  network: { host: string; port: number };
  /** Plain links allowed (development). */
  allowPlainHttp: boolean;
  /** Requests sealed end to end, and only sealed ones delivered (default). */
  seal: boolean;
}

export const DEFAULT_REMOTE_LIMITS: RemoteLimits = { bodyBytes: 1 << 20, maxHops: 16, timeoutMs: 10_000, maxAgeMs: 300_000 };

export function parseRemoteConfig(input: unknown): RemoteConfigFile {
  if (!validator.Check(input)) {
    const first = [...validator.Errors(input)][0];
    throw new RoutingError('BAD_REQUEST', `remote config: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`);
  }
  return input;
}

export function remoteSettings(config: RemoteConfigFile): RemoteSettings {
  const nodeId = config.node.code !== undefined ? toHex(entityId(config.node.code)) : config.node.id;
  if (nodeId === undefined) throw new RoutingError('BAD_REQUEST', 'remote config: node needs a code or an id');
  const limits = { ...DEFAULT_REMOTE_LIMITS, ...config.limits };
  const services = new Map<string, PublishedService>();
  for (const s of config.services) {
    if (services.has(s.name)) throw new RoutingError('BAD_REQUEST', `remote config: service ${s.name} is listed twice`);
    if (s.kind !== undefined && !(AUTOMATIC_KINDS as readonly string[]).includes(s.kind)) {
      throw new RoutingError('BAD_REQUEST', `remote config: service ${s.name}: kind must be one of ${AUTOMATIC_KINDS.join(', ')} (recorded from the call itself)`);
    }
    services.set(s.name, {
      name: s.name,
      url: s.url.replace(/\/+$/, ''),
      allow: s.allow === '*' ? '*' : new Map(s.allow.map((code) => [toHex(entityId(code)), code])),
      kind: s.kind as EvidenceKindName | undefined,
      timeoutMs: s.timeoutMs ?? limits.timeoutMs,
    });
  }
  const settings: RemoteSettings = {
    node: { id: nodeId, url: config.node.url.replace(/\/+$/, '') },
    services,
    limits,
    publishTtlMs: config.publishTtlMs ?? 60_000,
    network: { host: config.network?.host ?? '127.0.0.1', port: config.network?.port ?? 0 },
    allowPlainHttp: config.allowPlainHttp === true,
    seal: config.seal ?? true,
  };
  if (config.tls) settings.tls = config.tls;
  if (!config.tls && !settings.allowPlainHttp) {
    throw new RoutingError('BAD_REQUEST', 'remote config: tls { ca, cert, key } is required on the links between institutions (allowPlainHttp: true for development only) / 机构间链路须配置双向 TLS');
  }
  if (!settings.seal && !settings.allowPlainHttp) {
    throw new RoutingError('BAD_REQUEST', 'remote config: seal: false (requests in clear) is for development only and needs allowPlainHttp: true');
  }
  if (config.verifyWorkers !== undefined) settings.verifyWorkers = config.verifyWorkers;
  if (config.publicUrl !== undefined) settings.publicUrl = config.publicUrl.replace(/\/+$/, '');
  return settings;
}
