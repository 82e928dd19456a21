/**
 * Starts a whole routing network in this process from a topology: the
 * operator key and signed directory, each routing node (its key in its data
 * folder, its server on 127.0.0.1), and each institution's real gateway with
 * the remote-call plugin and a sample internal service. Used by
 * `npm run network`, `npm start`, the routing tests and the routing benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { entityId, generateSm2KeyPair, toHex, type Sm2KeyPair } from '@evidence/core';
import { createGateway, loadConfig, loadOrCreateKeys, remoteRoutes, remoteSettings, type Gateway, type GatewayConfig, type RemoteHandle } from '@evidence/gateway';
import {
  buildNodeServer,
  directoryEntry,
  DirectoryFile,
  HttpClient,
  loadTls,
  mutualTlsServerOptions,
  loadOrCreateKey,
  neighbour,
  nodeSettings,
  RoutingNode,
  signDirectory,
  UNSIGNED_HOPS_FOR_BENCHMARKS,
  type HopSigner,
  type LinkOptions,
  type Neighbour,
  type TlsFiles,
  type NodeLimits,
  type NodeTimers,
} from '@evidence/node';
import { issueDeviceCertificate, openLocalCa, type LocalCa } from '@evidence/node/local-ca';
import type { FastifyInstance } from 'fastify';
import { startSampleService, type SampleService } from './sample-service.js';
import { expectedRoutes, neighboursOf, type Topology } from './topology.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The certificate the operator's own tools use on the network's links. */
export const OPERATOR = 'network-operator';

export interface NetworkOptions {
  /** Data root: keys, the directory, gateway databases. */
  dir: string;
  timers?: Partial<NodeTimers>;
  limits?: Partial<NodeLimits>;
  /** Limits of particular nodes, over `limits`. */
  nodeLimits?: Record<string, Partial<NodeLimits>>;
  /** Gateways' limits for remote calls (hop limit, timeouts). */
  remoteLimits?: { maxHops?: number; timeoutMs?: number };
  /** Nodes run as separate `evidence-node` processes (so a test can SIGKILL one). */
  processNodes?: string[];
  /** Each stderr line of a process node (its log); inherited when absent. */
  processLog?: (code: string, line: string) => void;
  /** Bearer token of each gateway's demo client (every role). */
  token?: string;
  /** Time-to-live of service publications. */
  publishTtlMs?: number;
  /** The routing benchmark's baseline: the same path with hop signing switched off everywhere. */
  unsignedHops?: boolean;
  /**
   * Plain http links and requests in clear (development, and the benchmark's
   * baseline). By default every link is mutual TLS with certificates from a
   * local CA in `<dir>/tls`, and requests are sealed end to end.
   */
  plain?: boolean;
  /** Threads checking hop signatures in every in-process node and gateway (default: the devices' default; 0: inline). */
  verifyWorkers?: number;
  /**
   * The URL device `from` is given to reach device `to` at `url` (a test puts
   * a recording TCP proxy there); by default `url` itself. Node to node and
   * gateway to node links.
   */
  through?: (from: string, to: string, url: string) => Promise<string>;
  /** The transport of an in-process node (tests put an adversarial one here to make a node misbehave); `link` is its TLS setup. */
  nodeClient?: (code: string, signer: HopSigner, link: LinkOptions) => HttpClient | undefined;
  /** More settings of a gateway (e.g. a chain for its registries), over the network's defaults. */
  gatewayConfig?: (code: string) => Partial<GatewayConfig>;
  log?: boolean;
}

export interface RunningNode {
  code: string;
  id: string;
  url: string;
  keys: Sm2KeyPair;
  /** In-process nodes only. */
  node?: RoutingNode;
  app?: FastifyInstance;
  /** Process nodes only. */
  child?: ChildProcess;
}

export interface RunningGateway {
  code: string;
  id: string;
  url: string;
  gateway: Gateway;
  service: SampleService;
  remote: RemoteHandle;
  node: string;
}

export interface Network {
  topology: Topology;
  /** The local CA and each device's certificate files (absent on a plain network). */
  tls?: { ca: LocalCa; files: Map<string, TlsFiles> };
  /** A link client holding `code`'s certificate (what that device uses on its links). */
  linkClient(code: string): Promise<HttpClient>;
  /** GET a JSON document from a node or gateway: over TLS with the operator's certificate when the URL is https. */
  get(url: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  operator: Sm2KeyPair;
  directoryFile: string;
  token: string;
  nodes: Map<string, RunningNode>;
  gateways: Map<string, RunningGateway>;
  /** Calls `/v1/remote/:institution/:service/<path>` on `from`'s gateway. */
  call(from: string, institution: string, service: string, path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  /** Resolves once every node holds the shortest routes the topology implies. */
  converged(timeoutMs?: number): Promise<void>;
  /** Closes a gateway and starts it again on the same data folder (new ports; it publishes again). */
  restartGateway(code: string): Promise<RunningGateway>;
  /** Ends a node abruptly: no withdrawal is sent, its neighbours must notice. */
  kill(code: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startNetwork(topology: Topology, o: NetworkOptions): Promise<Network> {
  const token = o.token ?? 'demo-token-0123456789abcdef';
  await mkdir(o.dir, { recursive: true });
  const operator = await operatorKey(o.dir);

  // Keys first: the operator's directory must name every node and gateway.
  const nodeKeys = new Map<string, Sm2KeyPair>();
  for (const n of topology.nodes) nodeKeys.set(n.code, await loadOrCreateKey(join(o.dir, 'nodes', n.code)));
  const gatewayKeys = new Map<string, Sm2KeyPair>();
  for (const g of topology.gateways) gatewayKeys.set(g.code, (await loadOrCreateKeys(join(o.dir, 'gateways', g.code))).sm2);
  const directoryFile = join(o.dir, 'directory.json');
  const directory = signDirectory(
    {
      format: 'evidence-directory/1',
      network: topology.name,
      version: 1,
      issuedAt: Date.now(),
      entries: [
        ...[...nodeKeys].map(([code, k]) => directoryEntry(code, k.publicKey, 'node')),
        ...[...gatewayKeys].map(([code, k]) => directoryEntry(code, k.publicKey, 'gateway')),
      ],
    },
    operator.privateKey,
    operator.publicKey,
  );
  await writeFile(directoryFile, JSON.stringify(directory, null, 2) + '\n');
  const dir = await DirectoryFile.open(directoryFile, operator.publicKey);

  // Mutual TLS on every link: a local CA and one certificate per device (CN = its code).
  let tls: Network['tls'];
  if (!o.plain) {
    const ca = await openLocalCa(join(o.dir, 'tls'));
    const files = new Map<string, TlsFiles>();
    // (OPERATOR: the network operator's tools, e.g. reading a process node's routes)
    for (const code of [...topology.nodes.map((n) => n.code), ...topology.gateways.map((g) => g.code), OPERATOR]) files.set(code, await issueDeviceCertificate(ca, code));
    tls = { ca, files };
  }
  const linkOptions = async (code: string): Promise<LinkOptions> => (tls ? { tls: await loadTls(tls.files.get(code)!), plainHttp: false } : { plainHttp: true });

  const nodes = new Map<string, RunningNode>();
  const gateways = new Map<string, RunningGateway>();
  const stoppers: (() => Promise<void>)[] = [];
  /** Starts a gateway (again) on its data folder and settings. */
  const reopen = new Map<string, () => Promise<RunningGateway>>();
  // The URL `from` uses to reach `to` (a test may put a proxy in between).
  const via = new Map<string, string>();
  const reach = async (from: string, to: string, url: string): Promise<string> => {
    if (!o.through) return url;
    const key = `${from}>${to}`;
    if (!via.has(key)) via.set(key, await o.through(from, to, url));
    return via.get(key)!;
  };
  const neighbourList = async (code: string): Promise<Neighbour[]> =>
    Promise.all(
      neighboursOf(topology, code)
        .filter((nb) => nodes.has(nb.code))
        .map(async (nb) => neighbour({ code: nb.code, url: await reach(code, nb.code, nodes.get(nb.code)!.url), publicKey: nodeKeys.get(nb.code)!.publicKey }, nb.role)),
    );

  try {
    // In-process nodes listen first, so process nodes can be given their addresses.
    for (const n of topology.nodes) {
      if (o.processNodes?.includes(n.code)) continue;
      const settings = nodeSettings({
        code: n.code,
        limits: { ...o.limits, ...o.nodeLimits?.[n.code] },
        timers: o.timers,
        ...(o.verifyWorkers !== undefined ? { verifyWorkers: o.verifyWorkers } : {}),
      });
      const keys = nodeKeys.get(n.code)!;
      const signer = { id: settings.id, ...keys };
      const link = await linkOptions(n.code);
      const client = o.nodeClient?.(n.code, signer, link) ?? new HttpClient(link);
      const node = new RoutingNode({
        settings,
        signer,
        keys: dir.keySource,
        codes: dir.codeSource,
        client,
        // The unsigned baseline has no signatures to check: no signature threads either.
        ...(o.unsignedHops ? { crypto: UNSIGNED_HOPS_FOR_BENCHMARKS, pool: null } : {}),
      });
      const app = await buildNodeServer(node, { logger: o.log ? { level: 'warn' } : false, ...(link.tls ? { https: mutualTlsServerOptions(link.tls, false) } : {}) });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      nodes.set(n.code, { code: n.code, id: settings.id, url, keys, node, app });
      stoppers.push(() => app.close());
    }
    for (const code of o.processNodes ?? []) {
      const running = await spawnNode(o.dir, code, nodeKeys.get(code)!, await neighbourList(code), directoryFile, operator.publicKey, o, tls?.files.get(code));
      nodes.set(code, running);
      stoppers.push(async () => void running.child?.kill('SIGTERM'));
    }
    for (const running of nodes.values()) {
      if (!running.node) continue;
      running.node.setNeighbours(await neighbourList(running.code));
      running.node.start();
    }

    for (const g of topology.gateways) {
      const service = await startSampleService(g.code);
      stoppers.push(() => service.close());
      const node = nodes.get(g.node)!;
      const settings = remoteSettings({
        node: { code: g.node, url: await reach(g.code, g.node, node.url) },
        services: g.services.map((s) => ({ name: s.name, url: service.url + s.path, allow: s.allow, ...(s.kind ? { kind: s.kind } : {}) })),
        limits: o.remoteLimits,
        publishTtlMs: o.publishTtlMs ?? 30_000,
        ...(o.verifyWorkers !== undefined ? { verifyWorkers: o.verifyWorkers } : {}),
        ...(tls ? { tls: tls.files.get(g.code)! } : { allowPlainHttp: true, seal: false }),
      });
      const config = loadConfig(
        {},
        {
          GATEWAY_CODE: g.code,
          DATA_DIR: join(o.dir, 'gateways', g.code),
          HOST: '127.0.0.1',
          PORT: 0,
          ANCHOR: 'none',
          ALLOW_BEARER: true,
          DEV_TOKEN: token,
          LOG_LEVEL: o.log ? 'warn' : 'silent',
          // Every device of the network shares this process: gateways record their few hop-trace
          // events per call inline rather than each starting intake threads beside the nodes' signature workers.
          INTAKE_WORKERS: 0,
          ...o.gatewayConfig?.(g.code),
        },
      );
      const open = async (): Promise<RunningGateway> => {
        let remote: RemoteHandle | undefined;
        const gateway = await createGateway(config, {
          plugins: [
            remoteRoutes({
              settings,
              keySource: dir.keySource,
              codes: dir.codeSource,
              expose: (h) => (remote = h),
              ...(o.unsignedHops ? { crypto: UNSIGNED_HOPS_FOR_BENCHMARKS, pool: null } : {}),
            }),
          ],
          logger: o.log ?? false,
        });
        stoppers.push(() => gateway.close());
        const url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
        return { code: g.code, id: toHex(entityId(g.code)), url, gateway, service, remote: remote!, node: g.node };
      };
      reopen.set(g.code, open);
      gateways.set(g.code, await open());
    }
  } catch (e) {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    throw e;
  }

  const operatorClient = new HttpClient(await linkOptions(OPERATOR));
  stoppers.unshift(async () => operatorClient.close());
  const network: Network = {
    topology,
    ...(tls ? { tls } : {}),
    linkClient: async (code) => new HttpClient(await linkOptions(code)),
    async get(url, headers = {}) {
      const answer = await operatorClient.request('GET', url, undefined, { timeoutMs: 10_000, maxResponseBytes: 64 << 20, headers });
      return { status: answer.status, body: JSON.parse(answer.body.toString('utf8')) as Record<string, unknown> };
    },
    operator,
    directoryFile,
    token,
    nodes,
    gateways,
    async call(from, institution, service, path, init = {}) {
      const gw = gateways.get(from);
      if (!gw) throw new Error(`no gateway ${from}`);
      const hasBody = init.body !== undefined;
      const res = await fetch(`${gw.url}/v1/remote/${institution}/${service}${path}`, {
        method: init.method ?? (hasBody ? 'POST' : 'GET'),
        headers: { authorization: `Bearer ${token}`, ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
        body: hasBody ? JSON.stringify(init.body) : undefined,
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    },
    async converged(timeoutMs = 10_000) {
      const expected = expectedRoutes(topology);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const missing: string[] = [];
        for (const [code, running] of nodes) {
          const want = expected.get(code) ?? new Map<string, number>();
          const have = running.node
            ? (d: string) => running.node!.table.lookup(d)?.path.length
            : await fetchRoutes(running.url, operatorClient);
          for (const [d, length] of want) if (have(d) !== length) missing.push(`${code}: ${d} (${have(d) ?? 'none'}, shortest ${length})`);
        }
        if (missing.length === 0) return;
        if (Date.now() > deadline) throw new Error(`routing did not converge: missing ${missing.slice(0, 5).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async restartGateway(code) {
      const running = gateways.get(code);
      if (!running) throw new Error(`no gateway ${code}`);
      await running.gateway.close();
      const again = await reopen.get(code)!();
      gateways.set(code, again);
      return again;
    },
    async kill(code) {
      const running = nodes.get(code);
      if (!running) throw new Error(`no node ${code}`);
      if (running.child) {
        running.child.kill('SIGKILL');
        await new Promise((r) => running.child!.once('exit', r));
      } else {
        await running.node!.stop(false);
        running.app!.server.closeAllConnections();
        await running.app!.close();
      }
    },
    async stop() {
      for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    },
  };
  return network;
}

/** The best routes of a node in another process (GET /v1/routes), as destination to path length. */
async function fetchRoutes(url: string, client: HttpClient): Promise<(d: string) => number | undefined> {
  try {
    const answer = await client.request('GET', `${url}/v1/routes?limit=100000`, undefined, { timeoutMs: 5000, maxResponseBytes: 64 << 20 });
    const body = JSON.parse(answer.body.toString('utf8')) as { routes: { destination: string; path: string[] }[] };
    const byDest = new Map(body.routes.map((r) => [r.destination, r.path.length]));
    return (d) => byDest.get(d);
  } catch {
    return () => undefined;
  }
}

/** The network operator's key, created once per data root (mode 0600). */
async function operatorKey(dir: string): Promise<Sm2KeyPair> {
  const file = join(dir, 'operator-key.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Sm2KeyPair;
  } catch {
    const pair = generateSm2KeyPair();
    await writeFile(file, JSON.stringify(pair) + '\n', { mode: 0o600 });
    return pair;
  }
}

/** Runs `evidence-node` (node/src/server.ts) as its own process and waits for its ready line. */
async function spawnNode(
  root: string,
  code: string,
  keys: Sm2KeyPair,
  neighbours: Neighbour[],
  directoryFile: string,
  operatorKey: string,
  o: NetworkOptions,
  tls: TlsFiles | undefined,
): Promise<RunningNode> {
  const dataDir = join(root, 'nodes', code);
  const parent = neighbours.find((n) => n.role === 'parent');
  const config = {
    code,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    directory: { file: directoryFile, operatorKey },
    neighbours: neighbours.filter((n) => n.role !== 'parent').map((n) => ({ id: n.id, url: n.url, publicKey: n.publicKey, role: n.role })),
    ...(parent ? { parent: { id: parent.id, url: parent.url, publicKey: parent.publicKey } } : {}),
    limits: { ...o.limits, ...o.nodeLimits?.[code] },
    timers: o.timers ?? {},
    ...(tls ? { tls } : { allowPlainHttp: true }),
  };
  const log = o.processLog;
  const { child, url, id } = await spawnNodeProcess(join(dataDir, 'node.json'), config, log ? (line) => log(code, line) : undefined);
  return { code, id, url, keys, child };
}

/**
 * Writes a node configuration file and starts `evidence-node` on it; resolves
 * with the process once it printed its ready line. stderr passes through
 * `log` (one line at a time) when given.
 */
export async function spawnNodeProcess(
  configFile: string,
  config: Record<string, unknown> & { code: string },
  log?: (line: string) => void,
): Promise<{ child: ChildProcess; url: string; id: string }> {
  await mkdir(dirname(configFile), { recursive: true, mode: 0o700 });
  await writeFile(configFile, JSON.stringify(config, null, 2));
  // stdin stays open while this process lives: if it dies, the node stops too.
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO, 'node/src/server.ts'), configFile, '--exit-with-parent'], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', log ? 'pipe' : 'inherit'],
  });
  if (log && child.stderr) createInterface({ input: child.stderr }).on('line', log);
  const ready = await new Promise<{ url: string; id: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`node ${config.code} did not start in time`)), 60_000);
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; url?: string; id?: string; message?: string };
        if (msg.ready && msg.url && msg.id) {
          clearTimeout(timer);
          resolve({ url: msg.url, id: msg.id });
        } else if (msg.ready === false) {
          reject(new Error(`node ${config.code}: ${msg.message ?? 'failed'}`));
        } else {
          // The node's own log lines (its server logs JSON to stdout).
          log?.(line);
        }
      } catch {
        log?.(line);
      }
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`node ${config.code} exited with ${c}`));
    });
  });
  return { child, ...ready };
}
