/**
 * Gateway benchmarks (issue: gateway), autocannon on loopback, each figure
 * next to a baseline measured in the same run:
 *   single-event intake (req/s, p99 at 64 connections)  vs the floor below (target: at least 85 % of it) and a bare Fastify route answering 202
 *     with the CPU per request of each (all threads, and the gateway's main thread), and the rate
 *     the cores would allow if saturated; a floor: the bare route doing only the work every event
 *     requires (parse, validate, SM3, SM4, one synced group write; floor-server.mjs), to show how
 *     far any gateway doing that work on one main thread could get; where /dev/shm has room, the
 *     same gateway with its store in memory, to show what waiting for the disk's flush costs (a
 *     diagnostic, not a target)
 *   the same event through the intake pipeline alone (in process, no HTTP)  vs the bare route's HTTP cost
 *   bulk intake (events/s durably written)              vs the bare route parsing the same bulk body
 *   ack-to-anchored p50/p99 on a local chain (proof pushed to a subscriber)  vs the 1 s batch window and one anchor transaction
 * Single-event figures come from alternating short rounds (about 3 s each);
 * each round's ratio to the bare route is also shown (median and range), since
 * the machine's speed drifts between phases. Servers run in child processes,
 * autocannon here. The gateway runs as built (gateway/dist, compiled by tsc;
 * `npm run bench` builds first), as it is deployed.
 *   npm run bench -- gateway
 *   BENCH_SECONDS=5 npm run bench -- gateway     shorter runs
 */
import { accessSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { EVIDENCE_KINDS, encodeLeaf, entityId, headerHash, MerkleTree, signHeader, toHex, type BatchHeader, type EvidenceKindName } from '@evidence/core';
import { createEvmAnchor, deployAll, localAccounts, registerGateway, startLocalChain } from '@evidence/contracts';
import { EXAMPLE_PAYLOADS, loadOrCreateKeys } from '@evidence/gateway';
import { JsonRpcProvider, Wallet } from 'ethers';
import { BENCH_TOKEN as TOKEN, benchGatewayEnv, forkServer, runForResult, type Child } from './gateway/children.js';
import { cpuSeconds } from './gateway/proc-cpu.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GATEWAY_ENTRY = 'gateway/dist/server.js';
const rows: Record<string, string>[] = [];
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const KINDS = Object.keys(EVIDENCE_KINDS) as EvidenceKindName[];

function event(i: number) {
  const kind = KINDS[i % KINDS.length]!;
  const base = EXAMPLE_PAYLOADS[kind] as Record<string, unknown>;
  const payload = kind === 'hop-trace' || kind === 'record-access' ? base : { ...base, ext: { n: i } };
  return { kind, subject: { idNumber: `1101051949123100${String(i % 100).padStart(2, '0')}` }, payload };
}

const single = JSON.stringify({ kind: 'prescription', subject: { idNumber: '110105194912310021' }, payload: EXAMPLE_PAYLOADS.prescription });
const bulk = (n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => event(i)) });

type Run = Awaited<ReturnType<typeof load>>;

async function load(url: string, body: string, connections: number, seconds: number) {
  const cpu = process.cpuUsage();
  const r = await autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    connections,
    duration: seconds,
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const used = process.cpuUsage(cpu);
  // The load generator shares the machine: its CPU per request is part of every figure's budget.
  const generatorCpu = (used.user + used.system) / 1e6 / (r.requests.average * seconds);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, generatorCpu };
}

function gatewayEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  // The benchmark's webhook receiver listens on 127.0.0.1, which webhooks may reach only when the operator allows it.
  return benchGatewayEnv('HBENCH0001', dir, { WEBHOOK_ALLOW: '127.0.0.1', ...extra });
}

/** Free space the in-memory store needs: a few hundred MB of log and tables at full intake rate, with room to spare. */
const RAM_STORE_BYTES = 2 ** 30;

/**
 * A folder in memory (Linux /dev/shm) for a diagnostic run whose store never
 * waits for the disk to flush; null where there is none, or too little room
 * (containers often give /dev/shm 64 MB, and a full one would refuse writes
 * and stop the whole benchmark).
 */
function ramFolder(): string | null {
  try {
    accessSync('/dev/shm', constants.W_OK);
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize < RAM_STORE_BYTES) return null;
    return mkdtempSync('/dev/shm/gw-bench-ram-');
  } catch {
    return null;
  }
}

async function intake(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const ramDir = ramFolder();
  const floorDir = mkdtempSync(join(tmpdir(), 'gw-bench-floor-'));
  const bare = await forkServer('scripts/bench/gateway/bare-server.mjs');
  const gw = await forkServer(GATEWAY_ENTRY, gatewayEnv(dir));
  const floor = await forkServer('scripts/bench/gateway/floor-server.mjs', { DATA_DIR: floorDir });
  const ram = ramDir === null ? null : await forkServer(GATEWAY_ENTRY, gatewayEnv(ramDir));
  try {
    // Warm them up (JIT, LevelDB files), then alternate so background load hits all alike.
    await load(`${bare.url}/v1/evidence`, single, 64, 3);
    await load(`${gw.url}/v1/evidence`, single, 64, 3);
    await load(`${floor.url}/v1/evidence`, single, 64, 3);
    if (ram) await load(`${ram.url}/v1/evidence`, single, 64, 3);
    // Several short rounds, each server in turn: the machine's speed drifts by tens of percent between
    // phases, and a ratio of two runs measured seconds apart is steadier than one of runs a minute apart.
    const rounds = Math.max(2, Math.floor(SECONDS / 3));
    const per = Math.max(2, Math.round(SECONDS / rounds));
    const cpu0 = { bare: cpuSeconds(bare.child.pid), gw: cpuSeconds(gw.child.pid) };
    let gwMain = 0;
    const runs: { b: Run; g: Run; f: Run; r: Run | null }[] = [];
    for (let i = 0; i < rounds; i++) {
      const b = await load(`${bare.url}/v1/evidence`, single, 64, per);
      const before = cpuSeconds(gw.child.pid, gw.child.pid);
      const g = await load(`${gw.url}/v1/evidence`, single, 64, per);
      gwMain += cpuSeconds(gw.child.pid, gw.child.pid) - before;
      const f = await load(`${floor.url}/v1/evidence`, single, 64, per);
      const r = ram && (await load(`${ram.url}/v1/evidence`, single, 64, per));
      runs.push({ b, g, f, r });
    }
    // Idle from here on, but their LevelDBs would still be flushing and compacting under the next measurements.
    await floor.stop();
    await ram?.stop();
    const seconds = rounds * per;
    const mean = (pick: (x: (typeof runs)[number]) => Run | null, key: 'rps' | 'generatorCpu' = 'rps') => runs.reduce((s, x) => s + pick(x)![key], 0) / rounds;
    const worst = (pick: (x: (typeof runs)[number]) => Run | null, key: 'p50' | 'p99') => Math.max(...runs.map((x) => pick(x)![key]));
    /** Each round's rate against the bare route's in the same round: median, lowest and highest. */
    const spread = (pick: (x: (typeof runs)[number]) => Run | null, base: (x: (typeof runs)[number]) => Run = (x) => x.b) => {
      const ratios = runs.map((x) => (100 * pick(x)!.rps) / base(x).rps).sort((p, q) => p - q);
      return `rounds ${ratios[Math.floor(rounds / 2)]!.toFixed(0)} % median, ${ratios[0]!.toFixed(0)}–${ratios[rounds - 1]!.toFixed(0)} %`;
    };
    const perRequest = {
      bare: (cpuSeconds(bare.child.pid) - cpu0.bare) / (mean((x) => x.b) * seconds),
      gw: (cpuSeconds(gw.child.pid) - cpu0.gw) / (mean((x) => x.g) * seconds),
      gwMain: gwMain / (mean((x) => x.g) * seconds),
    };
    const b = { rps: mean((x) => x.b), p99: worst((x) => x.b, 'p99') };
    const g = { rps: mean((x) => x.g), p99: worst((x) => x.g, 'p99'), p50: worst((x) => x.g, 'p50') };
    // The target is against the floor, the bare route doing only the work every event requires, measured
    // in the same rounds: against the bare route alone the ratio moved with the machine's phase by more
    // than any change to the gateway could (26-57 % for one build within minutes).
    const f = mean((x) => x.f);
    rows.push({
      figure: 'single-event intake, 64 conn.',
      gateway: `${fmt(g.rps)} req/s`,
      baseline: `floor (required work only): ${fmt(f)} req/s; bare Fastify 202: ${fmt(b.rps)} req/s`,
      ratio: `${((100 * g.rps) / f).toFixed(0)} % of the floor (${spread((x) => x.g, (x) => x.f)}); ${((100 * g.rps) / b.rps).toFixed(0)} % of bare (${spread((x) => x.g)})`,
      target: '≥ 85 % of the floor',
    });
    rows.push({
      figure: 'single-event intake p99 latency',
      gateway: `${fmt(g.p99)} ms (p50 ${fmt(g.p50)} ms)`,
      baseline: `bare Fastify 202: ${fmt(b.p99)} ms`,
      ratio: `${(g.p99 / Math.max(1, b.p99)).toFixed(1)}×`,
      target: '≤ 25 ms',
    });
    rows.push({
      figure: 'CPU per single-event request',
      gateway: `${fmt(perRequest.gw * 1e6)} µs`,
      baseline: `bare Fastify 202: ${fmt(perRequest.bare * 1e6)} µs`,
      ratio: `${(perRequest.gw / perRequest.bare).toFixed(1)}×`,
      target: '-',
    });
    // HTTP, preparing single events and writing share the main thread; if it is not busy all the time, it is waiting (e.g. on the disk).
    rows.push({
      figure: 'gateway main thread per single-event request',
      gateway: `${fmt(perRequest.gwMain * 1e6)} µs (busy ${fmt((100 * gwMain) / seconds)} % of the time)`,
      baseline: `bare Fastify 202 (one thread): ${fmt(perRequest.bare * 1e6)} µs`,
      ratio: `${(perRequest.gwMain / perRequest.bare).toFixed(1)}×`,
      target: '-',
    });
    // Not a way to run either: it shows the ratio the work itself allows here, before anything the gateway adds.
    rows.push({
      figure: 'single-event floor: bare route + required work only (parse, validate, SM3, SM4, synced write)',
      gateway: `${fmt(f)} req/s (p99 ${fmt(worst((x) => x.f, 'p99'))} ms); the gateway reached ${((100 * g.rps) / f).toFixed(0)} % of it`,
      baseline: `bare Fastify 202: ${fmt(b.rps)} req/s`,
      ratio: `${((100 * f) / b.rps).toFixed(0)} % (${spread((x) => x.f)})`,
      target: '-',
    });
    if (ram) {
      // Diagnostic, not a way to run: a store in memory is lost with the machine. It shows what waiting for the disk's flush costs.
      const r = mean((x) => x.r);
      rows.push({
        figure: 'single-event intake, store in memory (no flush wait; diagnostic)',
        gateway: `${fmt(r)} req/s (p99 ${fmt(worst((x) => x.r, 'p99'))} ms); on disk ${fmt(g.rps)} req/s`,
        baseline: `bare Fastify 202: ${fmt(b.rps)} req/s`,
        ratio: `${((100 * r) / b.rps).toFixed(0)} %`,
        target: '-',
      });
    }
    // What the cores allow: the server and the load generator (autocannon, this process) share them.
    // The bare route runs on one thread, so it can never use more than one core however idle the rest.
    const cores = availableParallelism();
    const generator = { bare: mean((x) => x.b, 'generatorCpu'), gw: mean((x) => x.g, 'generatorCpu') };
    const ceiling = { gw: cores / (perRequest.gw + generator.gw), bare: Math.min(1 / perRequest.bare, cores / (perRequest.bare + generator.bare)) };
    rows.push({
      figure: `single-event ceiling if ${cores} cores were saturated`,
      gateway: `${fmt(ceiling.gw)} req/s (reached ${((100 * g.rps) / ceiling.gw).toFixed(0)} %; load generator ${fmt(generator.gw * 1e6)} µs/req)`,
      baseline: `bare Fastify 202: ${fmt(ceiling.bare)} req/s (reached ${((100 * b.rps) / ceiling.bare).toFixed(0)} %)`,
      ratio: `${((100 * ceiling.gw) / b.rps).toFixed(0)} % of bare`,
      target: '-',
    });

    // The same event through the pipeline alone (no HTTP), so the table can split the cost.
    const pipeDir = mkdtempSync(join(tmpdir(), 'gw-bench-pipe-'));
    try {
      const p = await runForResult<{ perSecond: number; cpuPerRecord: number; mainPerRecord: number }>(
        'scripts/bench/gateway/pipeline.mjs',
        gatewayEnv(pipeDir, { SECONDS: String(SECONDS), EVENT_BODY: single }),
      );
      const floor = p.cpuPerRecord / 1e6 + perRequest.bare + generator.gw;
      rows.push({
        figure: 'single-event pipeline without HTTP, 64 callers in process',
        gateway: `${fmt(p.perSecond)} records/s; CPU ${fmt(p.cpuPerRecord)} µs/record (main thread ${fmt(p.mainPerRecord)} µs)`,
        baseline: `HTTP alone (bare route): ${fmt(perRequest.bare * 1e6)} µs/req`,
        ratio: `at best ${(((cores / floor) * 100) / b.rps).toFixed(0)} % of bare`,
        target: '-',
      });
    } finally {
      rmSync(pipeDir, { recursive: true, force: true });
    }

    const body = bulk(1000);
    await load(`${gw.url}/v1/evidence/batch`, body, 4, 2);
    let cpu = cpuSeconds(bare.child.pid);
    const bb = await load(`${bare.url}/v1/evidence/batch`, body, 4, SECONDS);
    const bareCpu = (cpuSeconds(bare.child.pid) - cpu) / (bb.rps * 1000 * SECONDS);
    cpu = cpuSeconds(gw.child.pid);
    const gb = await load(`${gw.url}/v1/evidence/batch`, body, 4, SECONDS);
    const gwCpu = (cpuSeconds(gw.child.pid) - cpu) / (gb.rps * 1000 * SECONDS);
    rows.push({
      figure: 'bulk intake, 1000 events/request, 4 conn.',
      gateway: `${fmt(gb.rps * 1000)} events/s durably written (p99 ${fmt(gb.p99)} ms)`,
      baseline: `bare Fastify parsing the same body: ${fmt(bb.rps * 1000)} events/s`,
      ratio: `${((100 * gb.rps) / bb.rps).toFixed(0)} %`,
      target: '≥ 30 000 events/s',
    });
    rows.push({
      figure: 'CPU per bulk event (all gateway threads)',
      gateway: `${fmt(gwCpu * 1e6)} µs`,
      baseline: `bare Fastify parsing it: ${fmt(bareCpu * 1e6, 1)} µs`,
      ratio: `${(gwCpu / bareCpu).toFixed(0)}×`,
      target: '-',
    });
  } finally {
    await gw.stop();
    await ram?.stop();
    await floor.stop();
    await bare.stop();
    rmSync(floorDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    if (ramDir) rmSync(ramDir, { recursive: true, force: true });
  }
}

async function ackToAnchored(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-chain-'));
  const chain = await startLocalChain({ port: 0 });
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true });
  const [governor, account, probeAccount] = localAccounts();
  const deployment = await deployAll({ signer: new Wallet(governor!.privateKey, provider) });
  const address = deployment.contracts.EvidenceAnchor;
  const keys = await loadOrCreateKeys(dir);
  const gatewayId = toHex(entityId('HBENCH0001'));
  await registerGateway({ signer: new Wallet(governor!.privateKey, provider), address }, { gateway: gatewayId, account: account!.address, publicKey: keys.sm2.publicKey });

  // Baseline: one anchor transaction on the same chain, from another registered gateway.
  const probeKeys = await loadOrCreateKeys(join(dir, 'probe'));
  const probeId = toHex(entityId('HBENCHPROBE'));
  await registerGateway({ signer: new Wallet(governor!.privateKey, provider), address }, { gateway: probeId, account: probeAccount!.address, publicKey: probeKeys.sm2.publicKey });
  const probe = createEvmAnchor({ provider, address, privateKey: probeAccount!.privateKey });
  const txTimes: number[] = [];
  let prev = '00'.repeat(32);
  for (let seq = 0; seq < 10; seq++) {
    const leaf = encodeLeaf({ v: 1, kind: 1, id: seq.toString(16).padStart(32, '0'), gateway: probeId, subject: 'ab'.repeat(32), ts: seq, commitment: 'cd'.repeat(32) });
    const header: BatchHeader = { v: 1, gateway: probeId, seq, alg: 'keccak256', size: 1, root: toHex(MerkleTree.fromLeaves('keccak256', [leaf]).root), prev, closedAt: Date.now() };
    const signature = signHeader(header, probeKeys.sm2.privateKey, probeKeys.sm2.publicKey);
    const t = performance.now();
    await probe.anchor(header, signature);
    txTimes.push(performance.now() - t);
    prev = toHex(headerHash(header));
  }
  txTimes.sort((a, b) => a - b);

  // Subscriber: the time a proof arrives is the time its event is known anchored.
  const anchoredAt = new Map<string, number>();
  const hook = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const now = performance.now();
      for (const b of (JSON.parse(text) as { bundles: { leaf: { id: string } }[] }).bundles) anchoredAt.set(b.leaf.id, now);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;

  let gw: Child | null = null;
  try {
    gw = await forkServer(
      GATEWAY_ENTRY,
      gatewayEnv(dir, { ANCHOR: 'evm', EVM_RPC_URL: chain.rpcUrl, EVM_CONTRACT: address, EVM_PRIVATE_KEY: account!.privateKey, EVM_FROM_BLOCK: String(deployment.block) }),
    );
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    await fetch(`${gw.url}/v1/subscriptions`, { method: 'POST', headers, body: JSON.stringify({ url: hookUrl }) });
    // A steady feed: 20 events every 20 ms (1 000 events/s) for the run, acknowledged times noted.
    const ackedAt = new Map<string, number>();
    const ackedWall = new Map<string, number>();
    const end = performance.now() + SECONDS * 1000;
    let i = 0;
    const inflight: Promise<void>[] = [];
    while (performance.now() < end) {
      const body = JSON.stringify({ items: Array.from({ length: 20 }, () => event(i++)) });
      inflight.push(
        fetch(`${gw.url}/v1/evidence/batch`, { method: 'POST', headers, body }).then(async (r) => {
          const now = performance.now();
          const wall = Date.now();
          for (const x of ((await r.json()) as { items: { id: string }[] }).items) {
            ackedAt.set(x.id, now);
            ackedWall.set(x.id, wall);
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(inflight);
    const deadline = performance.now() + 60_000;
    while (anchoredAt.size < ackedAt.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Anchored: when the gateway recorded each event's batch as on chain (same machine, same clock).
    const heads = (await (await fetch(`${gw.url}/v1/batches`, { headers })).json()) as { closed: number };
    const batchAnchoredAt = new Map<string, number>();
    for (let seq = 0; seq <= heads.closed; seq++) {
      const b = (await (await fetch(`${gw.url}/v1/batches/${seq}`, { headers })).json()) as { ids: string[]; anchoredAt: number | null };
      for (const id of b.ids) batchAnchoredAt.set(id, b.anchoredAt ?? Infinity);
    }
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
    const anchoredLags = sorted([...ackedWall].map(([id, t]) => (batchAnchoredAt.get(id) ?? Infinity) - t));
    const pushedLags = sorted([...ackedAt].map(([id, t]) => (anchoredAt.get(id) ?? Infinity) - t));
    rows.push({
      figure: `ack-to-anchored p50 (${fmt(ackedAt.size)} events at 1 000/s)`,
      gateway: `${fmt(pct(anchoredLags, 50) / 1000, 2)} s (p99 ${fmt(pct(anchoredLags, 99) / 1000, 2)} s)`,
      baseline: `batch window 1.00 s; one anchor tx ${fmt(txTimes[5]!, 0)} ms`,
      ratio: `${(pct(anchoredLags, 50) / 1000).toFixed(2)}× window`,
      target: '≤ 1.5 s',
    });
    rows.push({
      figure: 'ack-to-proof-pushed p50 (webhook received)',
      gateway: `${fmt(pct(pushedLags, 50) / 1000, 2)} s (p99 ${fmt(pct(pushedLags, 99) / 1000, 2)} s)`,
      baseline: 'batch window 1.00 s',
      ratio: `${(pct(pushedLags, 50) / 1000).toFixed(2)}× window`,
      target: '-',
    });
  } finally {
    await gw?.stop();
    await new Promise((r) => hook.close(r));
    probe.close();
    provider.destroy();
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await intake();
await ackToAnchored();
console.table(rows);
