/**
 * `npm run start:ha`: one institution's gateway as two instances on a local
 * PostgreSQL and Redis, as a hospital group would run it: the local chain
 * (as npm start), the routing node, and two gateway processes sharing one
 * database (STORE=postgres), one Redis (queues, rate limits) and one key file.
 * One instance sequences (closes batches, anchors); each one's /healthz says
 * which. An instance that exits 75 (its sequencer lease went to the other) is
 * started again, as its supervisor would. Writes .local/stack.json like npm
 * start, with the instances listed. Ctrl-C stops everything it started.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startStackChain } from './stack/chain.js';
import { freePort, prepareGateway, spawnStackGateway, type StackGateway } from './stack/gateways.js';
import { stopOnSignals } from './stack/lifecycle.js';
import { writeStackFile } from './stack/stack-file.js';
import { gatewayCode, parseOptions } from './stack/options.js';
import { startStackRouting } from './topologies/stack-routing.js';

const say = (m: string) => console.log(m);

const INSTANCES = 2;
const DATABASE = 'evidence_ha';

const HELP = `npm run start:ha [-- --chain-port P] [--gateway-port P] [--block-time S] [--dir PATH]

Starts one institution's gateway as ${INSTANCES} instances on PostgreSQL and Redis / 以多实例方式启动一家机构的网关:
  the local chain and the routing node (as npm start)        本地区块链与路由设备（同 npm start）
  ${INSTANCES} gateway instances, one database (${DATABASE}), one Redis, one key file   共享数据库、Redis 与密钥文件的网关实例
and writes .local/stack.json (gateways[0].instances lists each instance). / 写入 .local/stack.json。
Needs PostgreSQL (HA_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and Redis
(HA_REDIS_URL, default redis://127.0.0.1:6379). / 需要本机 PostgreSQL 与 Redis。`;

async function main(): Promise<void> {
  let options;
  try {
    const argv = process.argv.slice(2);
    if (argv.includes('--help') || argv.includes('-h')) return void console.log(HELP);
    options = parseOptions(argv, { ...process.env, STACK_GATEWAYS: '1' });
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (options === 'help') return void console.log(HELP);
  mkdirSync(options.dir, { recursive: true });

  const adminUrl = process.env.HA_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.HA_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const missing = [...(await postgresProblem(adminUrl)), ...(await redisProblem(redisUrl))];
  if (missing.length > 0) {
    console.error(missing.join('\n\n'));
    process.exit(2);
  }
  const databaseUrl = await ensureDatabase(adminUrl);

  const { stack: running, stop } = stopOnSignals(say);
  const instances = running.gateways;

  try {
    const chain = (running.chain = await startStackChain(options.dir, options.chainPort, options.blockTime, say));
    const { deployment } = chain;
    const code = gatewayCode(0);
    const routing = (running.routing = await startStackRouting({ dir: options.dir, gatewayCodes: [code], chain: { rpcUrl: chain.chain.rpcUrl, contract: deployment.contracts.EvidenceAnchor, provider: chain.provider }, say }));
    // The key file npm start keeps for this institution, read by every instance (KEYS_FILE): never one per instance.
    const g = await prepareGateway(options.dir, code, 0);
    const registration = await chain.ensureRegistered(g.id, g.publicKey, g.account);
    if (registration === 'registered') say(`gateway ${g.code} registered / 网关已登记`);
    const ports = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => (options.gatewayPort === 0 ? freePort() : Promise.resolve(options.gatewayPort + i))));
    const chainSettings = { rpcUrl: chain.chain.rpcUrl, contract: deployment.contracts.EvidenceAnchor, fromBlock: deployment.block };
    const spawn = async (i: number): Promise<StackGateway> => {
      const instance = await spawnStackGateway({ ...g, dataDir: join(g.dataDir, `instance-${i + 1}`) }, chainSettings, ports[i]!, say, {
        ...routing!.env(g.code),
        STORE: 'postgres',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        KEYS_FILE: join(g.dataDir, 'keys.json'),
      });
      // The supervisor's part: an instance whose lease went to the other exits 75 and comes back as a follower.
      instance.child.once('exit', (exitCode) => {
        if (running.stopping) return;
        if (exitCode === 75) {
          say(`instance ${i + 1} lost the sequencer lease; starting it again / 实例 ${i + 1} 失去排序者租约，正在重启`);
          void spawn(i).then((again) => (instances[i] = again), (e: unknown) => say(`instance ${i + 1} did not start again: ${(e as Error).message}`));
        } else say(`instance ${i + 1} stopped unexpectedly (${exitCode}) / 实例 ${i + 1} 意外退出`);
      });
      return instance;
    };
    // One at a time: the first takes the lease, the second follows.
    for (let i = 0; i < INSTANCES; i++) instances.push(await spawn(i));

    const stackFile = writeStackFile(options.dir, chain, routing, {
      gateways: [
        {
          code: g.code,
          id: g.id,
          url: instances[0]!.url,
          docs: `${instances[0]!.url}/docs`,
          token: g.token,
          services: routing.services(g.code),
          instances: instances.map((x) => ({ url: x.url })),
          store: { kind: 'postgres', database: DATABASE },
        },
      ],
      witnesses: [],
      witnessQuorum: 0,
    });
    const lines = [
      '',
      `gateway ${g.code}: ${INSTANCES} instances on PostgreSQL (${DATABASE}) and Redis / 网关 ${g.code}：${INSTANCES} 个实例`,
      ...(await Promise.all(
        instances.map(async (x, i) => {
          const h = (await (await fetch(`${x.url}/healthz`)).json()) as { sequencer: boolean; pid: number };
          return `  instance ${i + 1}  ${x.url}  pid ${h.pid}  ${h.sequencer ? 'sequencer / 排序者' : 'follower / 跟随者'}`;
        }),
      )),
      `  dev token / 开发令牌: ${g.token}`,
      `  stack file / 描述文件: ${stackFile}`,
      '  kill the sequencer (kill -9 <pid>): the other takes over within seconds / 结束排序者进程，另一实例数秒内接替',
      'Ctrl-C stops everything. / 按 Ctrl-C 全部停止。',
    ];
    say(lines.join('\n'));
  } catch (e) {
    console.error(`npm run start:ha failed / 启动失败: ${(e as Error).message}`);
    await stop(1);
  }
}

async function postgresProblem(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return [];
  } catch (e) {
    return [
      `PostgreSQL is not reachable at ${url} (${(e as Error).message}).\n` +
        '  Install and start it: Debian/Ubuntu `sudo apt-get install postgresql` (then `sudo pg_ctlcluster <version> main start`), macOS `brew install postgresql@16 && brew services start postgresql@16`;\n' +
        '  or point HA_DATABASE_URL at one (a user allowed to create a database).\n' +
        `  未能连接 PostgreSQL（${url}）。请安装并启动：Debian/Ubuntu 执行 sudo apt-get install postgresql，macOS 执行 brew install postgresql@16；或用 HA_DATABASE_URL 指定数据库。`,
    ];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblem(url: string): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return [];
  } catch (e) {
    return [
      `Redis is not reachable at ${url} (${(e as Error).message}).\n` +
        '  Install and start it: Debian/Ubuntu `sudo apt-get install redis-server`, macOS `brew install redis && brew services start redis`; or set HA_REDIS_URL.\n' +
        `  未能连接 Redis（${url}）。请安装并启动：Debian/Ubuntu 执行 sudo apt-get install redis-server，macOS 执行 brew install redis；或用 HA_REDIS_URL 指定。`,
    ];
  } finally {
    redis.disconnect();
  }
}

/** The stack's own database beside the server's others, created on first start. */
async function ensureDatabase(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).rows.length > 0;
    if (!exists) {
      await client.query(`CREATE DATABASE ${DATABASE}`);
      say(`database ${DATABASE} created / 已创建数据库 ${DATABASE}`);
    }
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

void main();
