import { Type, type Static } from 'typebox';
import { CHAIN_NAMES, type ChainName } from '../chains/names.js';

/**
 * Every setting of a gateway process, read from the environment and checked
 * against this schema before anything starts. Names are the environment
 * variable names; defaults are the embedded single-machine set-up.
 */
export const ConfigSchema = Type.Object({
  GATEWAY_CODE: Type.String({ minLength: 1, maxLength: 64, description: 'Registered institution code, e.g. H330100001 / 机构登记代码' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'LevelDB data folder (and, by default, the key file) / 数据目录' }),
  // Keys apart from data (keys.ts): a backup of DATA_DIR must not carry the key that opens it.
  KEYS_FILE: Type.Optional(Type.String({ minLength: 1, description: 'The gateway key file (SM2, subject and master keys); default <DATA_DIR>/keys.json; several instances of one gateway may share it / 网关密钥文件' })),
  KEYS_CREATE: Type.Boolean({ default: false, description: 'A production start may create a missing KEYS_FILE (first start only) / 生产环境允许创建密钥文件' }),
  KEYS_INSIDE_DATA_DIR: Type.Union([Type.Literal('refuse'), Type.Literal('allow')], { default: 'refuse', description: 'allow: a production start accepts a KEYS_FILE inside DATA_DIR / 是否允许密钥位于数据目录内' }),
  PRODUCTION: Type.Optional(Type.Boolean({ description: 'Production start (default: NODE_ENV=production): KEYS_FILE required, outside DATA_DIR / 生产模式' })),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),

  BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 65536, default: 1024 }),
  BATCH_MAX_AGE_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1000 }),
  /** No checkpoint transaction is sent sooner than this after the previous one was sent (ms); one is in flight at a time. */
  ANCHOR_MIN_INTERVAL_MS: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 1000 }),

  // The chains' names: chains/names.ts.
  ANCHOR: Type.Unsafe<ChainName | 'none'>(
    Type.Union([...CHAIN_NAMES.map((name) => Type.Literal(name)), Type.Literal('none')], {
      default: 'evm',
      description: `${CHAIN_NAMES.join(', ')} (evm by default), or none (record and batch only; batches anchor once an anchor is configured)`,
    }),
  ),
  EVM_RPC_URL: Type.Optional(Type.String({ minLength: 1 })),
  EVM_CONTRACT: Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' })),
  EVM_PRIVATE_KEY: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' })),
  EVM_FROM_BLOCK: Type.Integer({ minimum: 0, default: 0, description: 'Deployment block: where to look for BatchAnchored events' }),
  // The registries beside the anchor: patients' grants to insurers, practitioners' credentials (written with EVM_PRIVATE_KEY).
  EVM_CONSENT_REGISTRY: Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'ConsentRegistry address / 患者授权合约' })),
  EVM_CREDENTIAL_REGISTRY: Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'CredentialRegistry address / 执业资格合约' })),
  REVIEW_SERVICE: Type.String({
    pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
    default: 'rx.review',
    description: 'Published service this gateway answers itself as the pharmacist review, checking credentials on chain (with EVM_CREDENTIAL_REGISTRY) / 处方审核服务名',
  }),
  // ANCHOR=fabric: the chaincode adapter reads FABRIC_PEER_ENDPOINT, FABRIC_MSP_ID, FABRIC_CERT_PATH,
  // FABRIC_KEY_PATH, FABRIC_TLS_CERT_PATH, FABRIC_CHANNEL, FABRIC_CHAINCODE... from the environment.
  FABRIC_PEER_ENDPOINT: Type.Optional(Type.String({ minLength: 1 })),

  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),

  // Several instances of one gateway share a PostgreSQL database (adapters/postgres); one of them sequences at a time.
  STORE: Type.Union([Type.Literal('level'), Type.Literal('postgres')], {
    default: 'level',
    description: 'level: LevelDB in DATA_DIR, one process; postgres: DATABASE_URL, shared by every instance of the gateway / 存储：level（单机）或 postgres（多实例共享）',
  }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL connection URL when STORE=postgres / 数据库连接地址' })),
  DATABASE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: "The gateway's tables in this schema (several gateways in one database); default the connection's search_path / 数据库模式" })),
  SEQUENCER_LEASE_MS: Type.Integer({
    minimum: 500,
    maximum: 60_000,
    default: 2000,
    description: 'STORE=postgres: how long the sequencer lease lasts without renewal; another instance takes over this long after the sequencer dies (plus one poll) / 排序者租约时长',
  }),
  QUEUE_PREFIX: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:-]+$', description: 'Redis key prefix; default evidence:<GATEWAY_CODE>' })),
  ANCHOR_WORKER: Type.Union([Type.Literal('embedded'), Type.Literal('external')], {
    default: 'embedded',
    description: 'external: a separate `worker` process anchors and delivers (needs REDIS_URL)',
  }),

  // Witnesses cosign checkpoints (spec section 10); the list is read and checked by witnessing/settings.ts.
  WITNESSES: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Witnesses asked to cosign each checkpoint: a JSON array [{ "id", "url", "publicKey", "code"? }] or the path of a JSON file holding one / 见证方：JSON 数组或其文件路径',
    }),
  ),
  WITNESS_QUORUM: Type.Integer({
    minimum: 0,
    maximum: 64,
    default: 0,
    description: 'Cosignatures a checkpoint waits for (at most WITNESS_TIMEOUT_MS) before it is anchored; 0: anchoring does not wait / 锚定前等待的联署数',
  }),
  WITNESS_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    maximum: 60_000,
    default: 2000,
    description: 'How long a witness request and the wait for the quorum last; anchoring then proceeds with what came / 见证请求与等待法定联署的时限',
  }),

  // This gateway as a witness of other institutions' checkpoints (witnessing/hosted.ts): its own id and SM2 key.
  WITNESS_ENABLED: Type.Boolean({
    default: false,
    description: 'Serve /v1/witness/*: cosign other institutions\' checkpoints with this gateway\'s id and key; their keys are read from EVM_CONTRACT on chain / 作为见证方为其他机构副签检查点',
  }),
  WITNESS_TOLERANCE_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 10_000,
    description: 'As a witness: largest |checkpoint.ts - this gateway\'s clock| it cosigns / 作为见证方可接受的检查点时间偏差',
  }),

  CLIENTS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  REMOTE_CONFIG: Type.Optional(Type.String({ minLength: 1, description: 'Remote calls through routing nodes: JSON file (gateway/src/remote/config.ts) / 跨机构调用配置文件' })),
  ALLOW_BEARER: Type.Boolean({ default: false, description: 'Accept bearer tokens (local development) / 允许开发用令牌' }),
  DEV_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  AUTH_WINDOW_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 300_000 }),

  VERIFIER_PAGE: Type.Optional(Type.String({ minLength: 1, description: 'The built verification page served at /verify (default gateway/web/dist/evidence-verifier.html) / 核验页面文件' })),

  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  BULK_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 33_554_432 }),
  BULK_MAX_ITEMS: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000 }),
  // Limits before work (auth/limits.ts): counted in Redis when REDIS_URL is set, so they hold across instances.
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 60_000, description: 'Requests per window from one authenticated client / 每个调用方每窗口请求数' }),
  RATE_LIMIT_ADDRESS_MAX: Type.Integer({ minimum: 1, default: 60_000, description: 'Requests per window from one source address, counted before authentication / 每个来源地址每窗口请求数' }),
  AUTH_FAILURE_MAX: Type.Integer({ minimum: 1, default: 100, description: 'Failed authentications per window from one source address before it is refused (429) for the rest of the window / 每个来源地址每窗口认证失败上限' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  UNVERIFIED_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'Largest body read before its SM2 signature can be checked (requests without x-evidence-body-sm3) / 签名核验前可读取的最大请求体' }),

  INTAKE_WORKERS: Type.Optional(Type.Integer({ minimum: 0, maximum: 16, description: 'Intake worker threads (parse, validate, SM3, SM4); default: one per core, at most 4 / 预处理线程数（默认每核一个，最多 4 个）' })),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Serve /metrics without authentication on METRICS_HOST:METRICS_PORT (the public port requires metrics:read) / 独立的监控端口' })),
  METRICS_HOST: Type.String({ default: '127.0.0.1', description: 'Listen address of METRICS_PORT / 监控端口监听地址' }),
  WEBHOOK_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 12 }),
  // Webhooks (subscriptions/webhook-target.ts): https to public unicast addresses only, unless the operator allows a host.
  WEBHOOK_ALLOW: Type.Optional(Type.String({ description: 'Comma-separated host names, addresses and CIDR ranges webhooks may reach although internal, and over http (development) / 允许推送的内部主机或网段' })),
  WEBHOOK_MAX_PER_CLIENT: Type.Integer({ minimum: 1, maximum: 10_000, default: 10, description: 'Subscriptions one client may hold / 每个调用方的订阅上限' }),
  WEBHOOK_MAX_RESPONSE_BYTES: Type.Integer({ minimum: 0, maximum: 16_777_216, default: 65_536, description: "Bytes of a receiver's answer read at most / 读取推送响应的最大字节数" }),
});

export type GatewayConfig = Static<typeof ConfigSchema>;
