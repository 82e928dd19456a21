/**
 * Routing benchmark (issue: routing nodes), on loopback, in one process:
 *  1. requests/s and latency through 1, 2 and 4 routing nodes between two real
 *     gateways, next to the same path with hop signing switched off and next to
 *     the machine's SM2 signing and verification rates, all measured in this run;
 *  2. the route table at 100 000 published services: memory, lookup time (beside
 *     a bare Map), and the time a withdrawal takes to cross a four-node mesh
 *     (beside the withdrawal of a single service);
 *  3. a four-node path with requests sealed end to end and mutual TLS on every
 *     link, against the same path plain (requests in clear, plain http), in
 *     alternating rounds of the same run: latency added per hop and throughput,
 *     median and range of the rounds.
 *
 * Parts 1 run on plain links with requests in clear (signed against unsigned
 * hops); part 3 is where the confidential links are measured.
 *
 *   npm run bench -- routing
 *   BENCH_QUICK=1 npm run bench -- routing     shorter runs
 *   ROUTING_BENCH=paths|node|table|confidential npm run bench -- routing   one part only
 *   ROUTING_VERIFY_WORKERS=0 npm run bench -- routing   hop signatures checked inline (default: the devices' default pool)
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { entityId, generateSm2KeyPair, HOP_TYPE, hopHash, prepareSm2PublicKey, requestDigest, sm2Sign, sm2Verify, toHex, uuidv7 } from '@evidence/core';
import {
  appendHop,
  buildNodeServer,
  defaultVerifyWorkers,
  directoryEntry,
  HttpClient,
  nodeSettings,
  originHop,
  prepareFastKey,
  RoutingNode,
  SM2_HOPS,
  staticKeySource,
  UNSIGNED_HOPS_FOR_BENCHMARKS,
  ZERO_ID,
  type ForwardRequest,
  loadOrCreateKey,
  RouteTable,
  SIGNATURE_HEADER,
  SIGNER_HEADER,
  signBody,
  signDirectory,
  type Publish,
} from '@evidence/node';
import { spawnNodeProcess, startNetwork } from '../topologies/network.js';
import type { Topology } from '../topologies/topology.js';

const quick = process.env.BENCH_QUICK === '1';
const only = process.env.ROUTING_BENCH;
const verifyWorkers = process.env.ROUTING_VERIFY_WORKERS === undefined ? undefined : Number(process.env.ROUTING_VERIFY_WORKERS);
const workersNote = `signature workers per process: ${verifyWorkers ?? `default (${defaultVerifyWorkers()})`}`;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

// ---------------------------------------------------------------------------
// SM2 rates of this machine, this run.
// ---------------------------------------------------------------------------
function rate(fn: () => void, ms: number): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return (n / (performance.now() - start)) * 1000;
}
const kp = generateSm2KeyPair();
const hopBytes = new Uint8Array(156).fill(7);
const signRate = rate(() => sm2Sign(hopBytes, kp.privateKey, kp.publicKey), quick ? 1000 : 3000);
const sig = sm2Sign(hopBytes, kp.privateKey, kp.publicKey);
const corePrepared = prepareSm2PublicKey(kp.publicKey);
const coreVerifyRate = rate(() => sm2Verify(hopBytes, sig, corePrepared), quick ? 1000 : 3000);
// Devices verify hot keys with window-8 tables (KeyRing): the bound below uses that rate.
const fast = prepareFastKey(kp.publicKey);
const verifyRate = rate(() => sm2Verify(hopBytes, sig, fast), quick ? 1000 : 3000);
const tSign = 1000 / signRate;
const tVerify = 1000 / verifyRate;

/**
 * SM2 costs (ms) measured again right before a throughput run: the machine
 * may be shared, and a bound from another moment would not be comparable.
 */
function sm2CostsNow(): { sign: number; verify: number } {
  return {
    sign: 1000 / rate(() => sm2Sign(hopBytes, kp.privateKey, kp.publicKey), quick ? 300 : 800),
    verify: 1000 / rate(() => sm2Verify(hopBytes, sig, fast), quick ? 300 : 800),
  };
}
console.log(
  `SM2 on this machine: ${fmt(signRate)} signatures/s (${tSign.toFixed(2)} ms); verifications/s ${fmt(verifyRate)} with a hot key ` +
    `(${tVerify.toFixed(2)} ms), ${fmt(coreVerifyRate)} with a core prepared key (${(1000 / coreVerifyRate).toFixed(2)} ms)`,
);

/**
 * Callers driving a throughput run: enough to keep every thread of the
 * in-process network busy (with 16, a request's steps alternate between the
 * main thread and the signature worker often enough to leave both idle part
 * of the time, and the figure measured the load generator, not the devices).
 */
const CALLERS = 32;

/** Throughput: CALLERS callers, each sending its next request as soon as the last is answered, for `ms`; answers per second. */
async function drive(once: () => Promise<unknown>, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < until) {
        await once();
        done++;
      }
    }),
  );
  return (done / (performance.now() - started)) * 1000;
}

// ---------------------------------------------------------------------------
// 1. Through 1, 2 and 4 routing nodes.
// ---------------------------------------------------------------------------
function line(n: number): Topology {
  const nodes = Array.from({ length: n }, (_, i) => ({ code: `RN-L${i + 1}` }));
  return {
    name: `line-${n}`,
    nodes,
    links: nodes.slice(1).map((node, i) => [nodes[i]!.code, node.code] as [string, string]),
    gateways: [
      { code: 'H330100001', node: nodes[0]!.code, services: [{ name: 'echo', path: '/echo', allow: '*' }] },
      { code: 'H330200001', node: nodes[n - 1]!.code, services: [{ name: 'echo', path: '/echo', allow: '*' }] },
    ],
  };
}

interface PathResult {
  p50: number;
  p99: number;
  rps: number;
  /** SM2 costs measured just before the throughput runs (the mean of the two). */
  costs: { sign: number; verify: number };
}

interface OpenPath {
  /** One call from the first institution's system to the second's echo service; its latency in ms. */
  once(): Promise<number>;
  stop(): Promise<void>;
}

/** `confidential`: mutual TLS and sealed requests (what a network runs); otherwise plain links, requests in clear. */
async function openPath(n: number, unsigned: boolean, confidential = false): Promise<OpenPath> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-routing-'));
  const net = await startNetwork(line(n), {
    dir,
    unsignedHops: unsigned,
    plain: !confidential,
    timers: { keepaliveMs: 1000, holdMs: 30_000 },
    ...(verifyWorkers !== undefined ? { verifyWorkers } : {}),
  });
  const client = new HttpClient();
  const stop = async () => {
    client.close();
    await net.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await net.converged();
  } catch (e) {
    await stop();
    throw e;
  }
  const gw = net.gateways.get('H330100001')!;
  const url = `${gw.url}/v1/remote/H330200001/echo/ping`;
  const body = JSON.stringify({ patient: 'p-001', scope: ['Observation', 'Condition'] });
  const headers = { authorization: `Bearer ${net.token}` };
  const once = async (): Promise<number> => {
    const start = performance.now();
    const answer = await client.post(url, body, { timeoutMs: 30_000, maxResponseBytes: 1 << 20, headers });
    if (answer.status !== 200) throw new Error(`${answer.status} ${answer.body.toString()}`);
    return performance.now() - start;
  };
  return { once, stop };
}

/**
 * The same path signed and unsigned (the baseline), both open at once and
 * measured in turn, so that a slow moment of a shared machine hits both alike.
 */
async function measurePaths(n: number): Promise<{ signed: PathResult; plain: PathResult }> {
  const paths = [await openPath(n, false)];
  try {
    paths.push(await openPath(n, true));
    const [signed, plain] = paths as [OpenPath, OpenPath];
    for (let i = 0; i < 30; i++) await Promise.all([signed.once(), plain.once()]);
    // Latency: one request at a time, signed and unsigned alternately.
    const samples: [number[], number[]] = [[], []];
    for (let i = 0; i < (quick ? 100 : 300); i++) {
      samples[0].push(await signed.once());
      samples[1].push(await plain.once());
    }
    // Throughput: a warm-up under the same load (the JIT's work is done before measuring), then two runs each, in turn.
    await drive(signed.once, quick ? 1000 : 2000);
    await drive(plain.once, quick ? 1000 : 2000);
    const ms = quick ? 1500 : 3000;
    const costs = [sm2CostsNow()];
    const s1 = await drive(signed.once, ms);
    const p1 = await drive(plain.once, ms);
    costs.push(sm2CostsNow());
    const s2 = await drive(signed.once, ms);
    const p2 = await drive(plain.once, ms);
    const mean = { sign: (costs[0]!.sign + costs[1]!.sign) / 2, verify: (costs[0]!.verify + costs[1]!.verify) / 2 };
    const result = (sorted: number[], rps: number): PathResult => ({ p50: percentile(sorted, 50), p99: percentile(sorted, 99), rps, costs: mean });
    return {
      signed: result(samples[0].sort((a, b) => a - b), (s1 + s2) / 2),
      plain: result(samples[1].sort((a, b) => a - b), (p1 + p2) / 2),
    };
  } finally {
    for (const p of paths) await p.stop();
  }
}

const pathRows: Record<string, string>[] = [];
const perHop: { n: number; added: number; ratio: number }[] = [];
for (const n of only === 'table' || only === 'node' || only === 'confidential' ? [] : [1, 2, 4]) {
  const { signed, plain } = await measurePaths(n);
  // Signed hops of one request: origin, one forward per node, deliver, response.
  const signs = n + 3;
  // Verifications: node k checks k signatures, the destination n + 1, the origin the whole trace.
  const verifies = (n * (n + 1)) / 2 + (n + 1) + (n + 3);
  const sm2BoundRps = 1000 / (signs * signed.costs.sign + verifies * signed.costs.verify);
  const signOnlyRps = 1000 / signed.costs.sign / signs;
  const added = (signed.p50 - plain.p50) / signs;
  perHop.push({ n, added, ratio: signed.rps / sm2BoundRps });
  pathRows.push({
    'routing nodes': String(n),
    'signed p50 / p99': `${signed.p50.toFixed(1)} / ${signed.p99.toFixed(1)} ms`,
    'unsigned p50 (baseline)': `${plain.p50.toFixed(1)} ms`,
    'added per signed hop (p50)': `${added.toFixed(2)} ms (${signs} hops)`,
    'signed req/s': fmt(signed.rps),
    'unsigned req/s (baseline)': fmt(plain.rps),
    'SM2 bound req/s': `${fmt(sm2BoundRps)} (${signs} sign + ${verifies} verify)`,
    'signed / SM2 bound': `${((signed.rps / sm2BoundRps) * 100).toFixed(0)} %`,
    'signing-only bound req/s': `${fmt(signOnlyRps)} (${((signed.rps / signOnlyRps) * 100).toFixed(0)} %)`,
    'SM2 around the runs': `${fmt(1000 / signed.costs.sign)} sig/s, ${fmt(1000 / signed.costs.verify)} verify/s`,
  });
}
if (pathRows.length > 0) {
  console.log(`\nThrough routing nodes (one process, loopback; a request crosses origin gateway, n nodes, destination gateway; ${workersNote}):`);
  console.table(pathRows);
}

// ---------------------------------------------------------------------------
// 1b. One routing node alone: what it adds, against what SM2 allows it.
// ---------------------------------------------------------------------------
interface NodeAlone {
  p50: number;
  rps: number;
  costs: { sign: number; verify: number };
}

/**
 * A routing node between a load generator and a sink gateway, all in this
 * process: the node verifies a chain of `depth` hops, signs its own and
 * forwards; the sink answers with a (structurally valid) trace at once. One
 * request costs the node `depth` verifications and one signature.
 */
async function nodeAlone(depth: number, unsigned: boolean): Promise<NodeAlone> {
  const crypto = unsigned ? UNSIGNED_HOPS_FOR_BENCHMARKS : SM2_HOPS;
  const party = (code: string) => ({ code, id: toHex(entityId(code)), ...generateSm2KeyPair() });
  const origin = party('H330100001');
  const before = Array.from({ length: depth - 1 }, (_, i) => party(`RN-P${i + 1}`));
  const self = party('RN-X');
  const sink = party('H330200001');
  const keys = staticKeySource([origin, ...before, self, sink]);
  const settings = nodeSettings({ code: self.code, timers: { keepaliveMs: 60_000, holdMs: 600_000 }, ...(verifyWorkers !== undefined ? { verifyWorkers } : {}) });
  // The unsigned baseline has no signatures to check: no signature threads either.
  const node = new RoutingNode({ settings, signer: self, keys, crypto, ...(unsigned ? { pool: null } : {}) });
  const app = await buildNodeServer(node, { logger: false });
  const nodeUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const sinkServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = JSON.parse(Buffer.concat(chunks).toString()) as ForwardRequest;
      const n = msg.hops.length;
      const fake = (type: number, index: number) => ({ ...msg.hops[n - 1]!, type, index, node: sink.id, next: ZERO_ID, prev: 'ab'.repeat(32) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response: { status: 200, body: { ok: true } }, hops: [...msg.hops, fake(3, n), fake(4, n + 1)] }));
    });
  });
  await new Promise<void>((r) => sinkServer.listen(0, '127.0.0.1', r));
  const sinkUrl = `http://127.0.0.1:${(sinkServer.address() as import('node:net').AddressInfo).port}`;
  const client = new HttpClient();
  try {
    const pub: Publish = { v: 1, gateway: sink.id, code: sink.code, node: self.id, url: sinkUrl, session: 1, seq: 1, ts: Date.now(), ttlMs: 3_600_000, services: ['echo'] };
    const pubBody = Buffer.from(JSON.stringify(pub));
    await client.post(`${nodeUrl}/v1/publish`, pubBody, { timeoutMs: 10_000, maxResponseBytes: 1 << 16, headers: { [SIGNER_HEADER]: sink.id, [SIGNATURE_HEADER]: signBody(pubBody, sink.privateKey, sink.publicKey) } });
    // The chain as it reaches the node: origin, then depth - 1 forwards, signed once and replayed (nodes do not deduplicate).
    const request = { method: 'POST', path: '/query', body: { patient: 'p-001', scope: ['Observation', 'Condition'] } };
    const digest = toHex(requestDigest(request.method, request.path, request.body));
    const signers = [origin, ...before];
    const hops = [originHop(origin, toHex(uuidv7()), (before[0] ?? self).id, digest, Date.now(), crypto)];
    for (let i = 1; i < signers.length; i++) hops.push(appendHop(signers[i]!, hops, toHex(hopHash(hops[i - 1]!)), HOP_TYPE.forward, (before[i] ?? self).id, digest, Date.now(), crypto));
    const body = JSON.stringify({ destination: { institution: sink.code, service: 'echo' }, request, hops });
    const once = async () => {
      const start = performance.now();
      const answer = await client.post(`${nodeUrl}/v1/forward`, body, { timeoutMs: 30_000, maxResponseBytes: 1 << 20 });
      if (answer.status !== 200) throw new Error(`${answer.status} ${answer.body.toString()}`);
      return performance.now() - start;
    };
    for (let i = 0; i < 50; i++) await once();
    await new Promise((r) => setTimeout(r, 200)); // hot keys get their tables
    const samples: number[] = [];
    for (let i = 0; i < (quick ? 100 : 300); i++) samples.push(await once());
    samples.sort((a, b) => a - b);
    await drive(once, quick ? 1000 : 2000);
    const costs = sm2CostsNow();
    const rps = await drive(once, quick ? 2000 : 4000);
    return { p50: percentile(samples, 50), rps, costs };
  } finally {
    client.close();
    await app.close();
    sinkServer.closeAllConnections();
    await new Promise((r) => sinkServer.close(r));
  }
}

const aloneRows: Record<string, string>[] = [];
const aloneRatios: { depth: number; ratio: number; added: number }[] = [];
for (const depth of only === 'table' || only === 'paths' || only === 'confidential' ? [] : [1, 3]) {
  const signed = await nodeAlone(depth, false);
  const plain = await nodeAlone(depth, true);
  const bound = 1000 / (signed.costs.sign + depth * signed.costs.verify);
  aloneRatios.push({ depth, ratio: signed.rps / bound, added: signed.p50 - plain.p50 });
  aloneRows.push({
    'chain received': `${depth} hop${depth > 1 ? 's' : ''}`,
    'signed p50': `${signed.p50.toFixed(2)} ms`,
    'unsigned p50 (baseline)': `${plain.p50.toFixed(2)} ms`,
    'added by its signed hop': `${(signed.p50 - plain.p50).toFixed(2)} ms`,
    'signed req/s': fmt(signed.rps),
    'unsigned req/s (baseline)': fmt(plain.rps),
    'SM2 bound req/s': `${fmt(bound)} (1 sign + ${depth} verify)`,
    'signed / SM2 bound': `${((signed.rps / bound) * 100).toFixed(0)} %`,
    'SM2 just before': `${fmt(1000 / signed.costs.sign)} sig/s, ${fmt(1000 / signed.costs.verify)} verify/s`,
  });
}
if (aloneRows.length > 0) {
  console.log(`\nOne routing node alone (load generator and sink in the same process; ${workersNote}):`);
  console.table(aloneRows);
}

if (only !== 'paths' && only !== 'node' && only !== 'confidential') await tableBenchmark();
if (only === undefined || only === 'confidential') await confidentialBenchmark();

// ---------------------------------------------------------------------------
// 3. Four routing nodes: sealed requests and mutual TLS against the same path plain.
// ---------------------------------------------------------------------------
async function confidentialBenchmark(): Promise<void> {
  const n = 4;
  const rounds = quick ? 3 : 5;
  const samplesPerRound = quick ? 60 : 150;
  const driveMs = quick ? 1000 : 2500;
  const confidential = await openPath(n, false, true);
  const plain = await openPath(n, false, false);
  try {
    for (let i = 0; i < 30; i++) await Promise.all([confidential.once(), plain.once()]);
    await drive(confidential.once, quick ? 800 : 2000);
    await drive(plain.once, quick ? 800 : 2000);
    const per = { confidential: { p50: [] as number[], rps: [] as number[] }, plain: { p50: [] as number[], rps: [] as number[] } };
    for (let r = 0; r < rounds; r++) {
      // Alternating within and across rounds, so a slow moment of the machine hits both alike.
      const order = r % 2 === 0 ? (['confidential', 'plain'] as const) : (['plain', 'confidential'] as const);
      const lat: Record<'confidential' | 'plain', number[]> = { confidential: [], plain: [] };
      for (let i = 0; i < samplesPerRound; i++) for (const which of order) lat[which].push(await (which === 'confidential' ? confidential : plain).once());
      for (const which of order) {
        per[which].p50.push(percentile(lat[which].sort((a, b) => a - b), 50));
        per[which].rps.push(await drive((which === 'confidential' ? confidential : plain).once, driveMs));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const range = (xs: number[], digits: number) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
    const links = n + 1;
    const addedPerRound = per.confidential.p50.map((c, i) => (c - per.plain.p50[i]!) / links);
    const ratioPerRound = per.confidential.rps.map((c, i) => c / per.plain.rps[i]!);
    console.log(
      `\nFour routing nodes, sealed requests and mutual TLS on every link vs the same path plain (one process, loopback; ${rounds} alternating rounds, ` +
        `${samplesPerRound} sequential calls and a ${driveMs} ms run of ${CALLERS} callers per round and path; median [range] of the rounds; ${workersNote}):`,
    );
    console.table([
      {
        path: 'sealed + mutual TLS',
        'p50 latency': `${fmt(median(per.confidential.p50), 1)} ms [${range(per.confidential.p50, 1)}]`,
        'req/s': `${fmt(median(per.confidential.rps))} [${range(per.confidential.rps, 0)}]`,
      },
      { path: 'plain (baseline)', 'p50 latency': `${fmt(median(per.plain.p50), 1)} ms [${range(per.plain.p50, 1)}]`, 'req/s': `${fmt(median(per.plain.rps))} [${range(per.plain.rps, 0)}]` },
      {
        path: `added per link (${links} links)`,
        'p50 latency': `${fmt(median(addedPerRound), 2)} ms [${range(addedPerRound, 2)}]`,
        'req/s': `${fmt(median(ratioPerRound) * 100, 0)} % of plain [${range(ratioPerRound.map((x) => x * 100), 0)} %]`,
      },
    ]);
  } finally {
    await confidential.stop();
    await plain.stop();
  }
}

async function tableBenchmark(): Promise<void> {
// ---------------------------------------------------------------------------
// 2. The route table at 100 000 published services.
// ---------------------------------------------------------------------------
const SERVICES = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
const dests = Array.from({ length: SERVICES }, (_, i) => `H${String(330000000 + Math.floor(i / 10))}/svc-${i % 10}`);
const ids = Array.from({ length: 4 }, (_, i) => toHex(entityId(`RN-T${i}`)));

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const table = new RouteTable(ids[0]!);
// Three ways in, as a mesh node sees them: a local gateway and two neighbours.
table.announce('gw', dests, []);
table.announce(ids[1]!, dests, [ids[1]!, ids[2]!]);
table.announce(ids[2]!, dests, [ids[2]!]);
gc?.();
const tableBytes = process.memoryUsage().heapUsed - heapBefore;
const plainMap = new Map(dests.map((d) => [d, { source: 'gw', path: [] as string[] }]));

function lookupNs(fn: (key: string) => unknown): number {
  const probes = Array.from({ length: 1 << 16 }, (_, i) => dests[(i * 7919) % SERVICES]!);
  let sink = 0;
  for (let i = 0; i < probes.length; i++) if (fn(probes[i]!)) sink++;
  const rounds = quick ? 10 : 40;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < probes.length; i++) if (fn(probes[i]!)) sink++;
  const ns = ((performance.now() - start) * 1e6) / (rounds * probes.length);
  if (sink === 0) throw new Error('unreachable');
  return ns;
}
const lookup = lookupNs((d) => table.lookup(d));
const lookupByInstitution = lookupNs((d) => table.lookup(`${d.slice(0, d.indexOf('/'))}/${d.slice(d.indexOf('/') + 1)}`));
const mapLookup = lookupNs((d) => plainMap.get(d));
const candidates = lookupNs((d) => table.candidates(d).length);

// Withdrawal across a mesh of four nodes (ring with a chord), each node its own
// process (as deployed: one device each), signed updates over HTTP.
async function meshWithdrawal(): Promise<{ announceMs: number; withdrawMs: number; oneMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-mesh-'));
  const codes = ['RN-T0', 'RN-T1', 'RN-T2', 'RN-T3'];
  const keys = await Promise.all(codes.map((c) => loadOrCreateKey(join(dir, c))));
  // Two institutions on RN-T0: one publishing 100 000 services, one a single service (the baseline).
  const big = { code: 'H339999999', keys: generateSm2KeyPair(), seq: 0 };
  const small = { code: 'H338888888', keys: generateSm2KeyPair(), seq: 0 };
  const operator = generateSm2KeyPair();
  const directoryFile = join(dir, 'directory.json');
  const entries = [...codes.map((c, i) => directoryEntry(c, keys[i]!.publicKey, 'node')), ...[big, small].map((g) => directoryEntry(g.code, g.keys.publicKey, 'gateway'))];
  await writeFile(directoryFile, JSON.stringify(signDirectory({ format: 'evidence-directory/1', network: 'bench', version: 1, issuedAt: Date.now(), entries }, operator.privateKey, operator.publicKey)));
  const ports = await freePorts(4);
  const url = (i: number) => `http://127.0.0.1:${ports[i]}`;
  const links = [[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]];
  const children: ChildProcess[] = [];
  const client = new HttpClient();
  try {
    const started = await Promise.all(
      codes.map((code, i) =>
        spawnNodeProcess(join(dir, code, 'node.json'), {
          code,
          host: '127.0.0.1',
          port: ports[i],
          dataDir: join(dir, code),
          directory: { file: directoryFile, operatorKey: operator.publicKey },
          neighbours: links.filter((l) => l.includes(i)).map((l) => ({ code: codes[l[0] === i ? l[1]! : l[0]!], url: url(l[0] === i ? l[1]! : l[0]!) })),
          limits: { peerBodyBytes: 256 << 20 },
          timers: { keepaliveMs: 2000, holdMs: 60_000 },
          // The route table's figures, not the links': plain http as before.
          allowPlainHttp: true,
        }),
      ),
    );
    children.push(...started.map((s) => s.child));
    const publish = async (gw: typeof big, services: string[]) => {
      const gateway = toHex(entityId(gw.code));
      const message: Publish = { v: 1, gateway, code: gw.code, node: toHex(entityId(codes[0]!)), url: 'http://127.0.0.1:9', session: 1, seq: ++gw.seq, ts: Date.now(), ttlMs: 3_600_000, services };
      const body = Buffer.from(JSON.stringify(message));
      const answer = await client.post(`${url(0)}/v1/publish`, body, {
        timeoutMs: 60_000,
        maxResponseBytes: 1 << 16,
        headers: { [SIGNER_HEADER]: gateway, [SIGNATURE_HEADER]: signBody(body, gw.keys.privateKey, gw.keys.publicKey) },
      });
      if (answer.status !== 200) throw new Error(answer.body.toString());
    };
    const sizes = async () => Promise.all(codes.map(async (_, i) => ((await (await fetch(`${url(i)}/healthz`)).json()) as { routes: number }).routes));
    const everywhere = async (size: number) => {
      while (!(await sizes()).every((n) => n === size)) await new Promise((r) => setTimeout(r, 2));
    };
    const quiet = async () => {
      // Until updates stop (path exploration after a change ends), so the next figure starts clean.
      let last = '';
      for (;;) {
        const m = (await Promise.all(codes.map(async (_, i) => (await fetch(`${url(i)}/metrics`)).text()))).map((t) => /evidence_node_peer_messages_total\{[^}]*kind="update",outcome="ok"[^}]*\} (\d+)/.exec(t)?.[1]).join(',');
        if (m === last) return;
        last = m;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const services = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
    for (let i = 0; i < 3; i++) {
      await publish(small, ['warm']);
      await everywhere(1);
      await publish(small, []);
      await everywhere(0);
    }
    let start = performance.now();
    await publish(big, services);
    await everywhere(SERVICES);
    const announceMs = performance.now() - start;
    await quiet();
    await publish(small, ['one']);
    await everywhere(SERVICES + 1);
    await quiet();
    start = performance.now();
    await publish(small, []);
    await everywhere(SERVICES);
    const oneMs = performance.now() - start;
    await quiet();
    start = performance.now();
    await publish(big, []);
    await everywhere(0);
    const withdrawMs = performance.now() - start;
    return { announceMs, withdrawMs, oneMs };
  } finally {
    client.close();
    for (const c of children) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

/** Ports free right now on 127.0.0.1 (the mesh's nodes must know each other's addresses before they start). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
const mesh = await meshWithdrawal();

console.log(`\nRoute table at ${fmt(SERVICES)} published services:`);
console.table([
  { figure: 'memory (3 routes per service)', value: `${fmt(tableBytes / 1048576, 1)} MiB`, baseline: '—', ratio: '—', target: '—' },
  { figure: 'lookup (best route)', value: `${fmt(lookup, 0)} ns`, baseline: `bare Map.get ${fmt(mapLookup, 0)} ns`, ratio: `${(lookup / mapLookup).toFixed(1)}×`, target: `< 10 000 ns: ${lookup < 10_000 ? 'met' : 'NOT met'}` },
  { figure: 'lookup building the key from institution + service', value: `${fmt(lookupByInstitution, 0)} ns`, baseline: `bare Map.get ${fmt(mapLookup, 0)} ns`, ratio: `${(lookupByInstitution / mapLookup).toFixed(1)}×`, target: `< 10 000 ns: ${lookupByInstitution < 10_000 ? 'met' : 'NOT met'}` },
  { figure: 'all routes, best first (failover order)', value: `${fmt(candidates, 0)} ns`, baseline: `bare Map.get ${fmt(mapLookup, 0)} ns`, ratio: `${(candidates / mapLookup).toFixed(1)}×`, target: '—' },
  { figure: 'announce 100 000 across the mesh', value: `${fmt(mesh.announceMs, 0)} ms`, baseline: `1 service withdrawn ${fmt(mesh.oneMs, 1)} ms`, ratio: `${(mesh.announceMs / mesh.oneMs).toFixed(0)}×`, target: '—' },
  { figure: 'withdraw 100 000 across the mesh', value: `${fmt(mesh.withdrawMs, 0)} ms`, baseline: `1 service withdrawn ${fmt(mesh.oneMs, 1)} ms`, ratio: `${(mesh.withdrawMs / mesh.oneMs).toFixed(0)}×`, target: '—' },
]);

}

console.log('\nTargets:');
for (const a of aloneRatios) {
  console.log(
    `  one node, chain of ${a.depth}: its signed hop adds ${a.added.toFixed(2)} ms at p50 (target <= 3 ms: ${a.added <= 3 ? 'met' : 'NOT met'}); ` +
      `signed throughput ${(a.ratio * 100).toFixed(0)} % of the SM2 bound (target >= 70 %: ${a.ratio >= 0.7 ? 'met' : 'NOT met'})`,
  );
}
for (const h of perHop) {
  console.log(
    `  ${h.n} node(s): added latency per signed hop p50 ${h.added.toFixed(2)} ms (target <= 3 ms: ${h.added <= 3 ? 'met' : 'NOT met'}); ` +
      `signed throughput ${(h.ratio * 100).toFixed(0)} % of the SM2 bound (target >= 70 %: ${h.ratio >= 0.7 ? 'met' : 'NOT met'})`,
  );
}
