/**
 * Witness quorum benchmark: the time a gateway's checkpoint waits for its
 * witnesses, from the moment it is signed to the moment the quorum of
 * cosignatures is stored, beside baselines measured in the same run.
 *
 * Three real witness servers (node/src/witness: buildWitnessServer over a
 * standalone witness, synced LevelDB state), each in its own process on
 * 127.0.0.1 as they would be deployed; the gateway side is the gateway's own
 * Witnessing service (gateway/src/witnessing) with its HTTP cosigner, its
 * checkpoint-record queue and a LevelStore, asking all three and waiting for
 * 2 (the quorum `npm start` sets). Checkpoints come one after the other, one
 * batch apart, the next once all three cosigned the last, as a gateway signs
 * them (one every BATCH_MAX_AGE_MS at most). Each witness checks the
 * checkpoint's shape, the gateway's key, its SM2 signature and the
 * consistency proof, signs and syncs its state before answering; the gateway
 * checks each cosignature and stores it.
 *
 * Baselines, per checkpoint, alternating with the checkpoints round by round:
 * - HTTP: GET /v1/witness to the same three servers at once with the same
 *   client (fetch), until the second answer: the network and framework floor
 *   of a quorum of 2 of 3;
 * - SM2: one verify and one sign on this thread: the cryptography one
 *   witness cannot avoid.
 * Target: p99 of signed → quorum ≤ 50 ms. Median and range over rounds.
 *
 *   npm run bench -- witness-quorum        BENCH_QUICK=1 for fewer checkpoints
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  encodeCheckpoint,
  encodeCosignature,
  entityId,
  generateSm2KeyPair,
  MerkleTree,
  randomFill,
  signCheckpoint,
  sm2Sign,
  sm2Verify,
  toHex,
  type Checkpoint,
  type Cosignature,
} from '@evidence/core';
import { buildWitnessServer, standaloneWitness } from '../../node/src/witness/index.js';
import { LevelStore } from '../../gateway/src/adapters/level/level-store.js';
import type { CheckpointRecord } from '../../gateway/src/ports/store.js';
import { CheckpointWrites } from '../../gateway/src/witnessing/checkpoint-writes.js';
import { httpCosigner } from '../../gateway/src/witnessing/http-cosigner.js';
import type { WitnessEndpoint } from '../../gateway/src/witnessing/settings.js';
import { Witnessing } from '../../gateway/src/witnessing/witnessing.js';

const WITNESSES = 3;
const QUORUM = 2;
const TIMEOUT_MS = 2000;
const TARGET_P99_MS = 50;

interface Ready {
  url: string;
  id: string;
  publicKey: string;
}

// ---------------------------------------------------------------------------
// A witness server process (this file, forked with --serve-witness).
// ---------------------------------------------------------------------------
if (process.argv[2] === '--serve-witness') {
  const code = process.env.BENCH_WITNESS_CODE!;
  const gateway = process.env.BENCH_GATEWAY_ID!;
  const gatewayKey = process.env.BENCH_GATEWAY_KEY!;
  const key = generateSm2KeyPair();
  const { witness, registry } = await standaloneWitness(
    { code, id: toHex(entityId(code)), dataDir: process.env.BENCH_DATA_DIR!, host: '127.0.0.1', port: 0, toleranceMs: 10_000, keyCacheMs: 5000, logLevel: 'silent' },
    key,
    // The registry as the witness's cache answers it: the chain is not what is measured here.
    { keys: async (g) => (g === gateway ? gatewayKey : null) },
  );
  const app = await buildWitnessServer(witness, registry, { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ url, id: witness.id, publicKey: witness.publicKey } satisfies Ready);
  process.once('disconnect', () => void app.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const ROUNDS = quick ? 3 : 5;
  const PER_ROUND = quick ? 20 : 60;
  const WARMUP = 20;
  const BASE = 100;
  const total = WARMUP + ROUNDS * PER_ROUND;

  const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  };
  const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

  const dir = await mkdtemp(join(tmpdir(), 'witness-quorum-bench-'));
  const gatewayKey = generateSm2KeyPair();
  const gatewayId = toHex(entityId('H330100001'));

  // The gateway's batch log: one batch per checkpoint after BASE; trees built now, outside every timing.
  const leaves = Array.from({ length: BASE + total }, () => randomFill(new Uint8Array(32)));
  const trees = new Map<number, MerkleTree>();
  for (let s = BASE; s <= BASE + total; s++) trees.set(s, MerkleTree.fromLeaves('keccak256', leaves.slice(0, s)));
  const log = { consistencyProof: async (first: number, second: number) => (first === second ? [] : trees.get(second)!.consistencyProof(first).map(toHex)) };

  console.log(`starting ${WITNESSES} witness servers (one process each, 127.0.0.1)…`);
  const children: ChildProcess[] = [];
  const endpoints: WitnessEndpoint[] = [];
  for (let i = 0; i < WITNESSES; i++) {
    const code = `WITNESS-BENCH-${i + 1}`;
    const child = fork(fileURLToPath(import.meta.url), ['--serve-witness'], {
      execArgv: process.execArgv,
      env: { ...process.env, BENCH_WITNESS_CODE: code, BENCH_GATEWAY_ID: gatewayId, BENCH_GATEWAY_KEY: gatewayKey.publicKey, BENCH_DATA_DIR: join(dir, code) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (c) => reject(new Error(`witness ${code} exited with ${c} before listening`)));
    });
    endpoints.push({ ...ready, code });
  }

  // The gateway side as createGateway wires it: records in LevelDB, written through the one queue.
  const store = await LevelStore.open(join(dir, 'gateway'));
  const writes = new CheckpointWrites(store);
  const records = writes.guard(store);
  /** When each cosignature of each checkpoint (by size) was stored. */
  const storedAt = new Map<number, number[]>();
  const allCosigned = new Map<number, () => void>();
  const failures = new Map<string, number>();
  const witnessing = new Witnessing({
    witnesses: endpoints,
    quorum: QUORUM,
    timeoutMs: TIMEOUT_MS,
    request: httpCosigner({ timeoutMs: TIMEOUT_MS }),
    writes: {
      addCosignature: async (cp: Checkpoint, c: Cosignature) => {
        const r = await writes.addCosignature(cp, c);
        const times = storedAt.get(cp.size) ?? [];
        times.push(performance.now());
        storedAt.set(cp.size, times);
        if (times.length === WITNESSES) allCosigned.get(cp.size)?.();
        return r;
      },
    },
    log,
    logger: { info: () => undefined, warn: (m) => console.warn(m), error: (m) => console.error(m) },
    onFailed: (_w, code) => failures.set(code, (failures.get(code) ?? 0) + 1),
  });

  /** One checkpoint: signed, stored, then the wait for the quorum and for all three. */
  async function checkpoint(size: number): Promise<{ quorum: number; all: number; cosignatures: number }> {
    const cp: Checkpoint = { gateway: gatewayId, alg: 'keccak256', size, root: toHex(trees.get(size)!.root), ts: Date.now() };
    const record: CheckpointRecord = { checkpoint: cp, signature: toHex(signCheckpoint(cp, gatewayKey.privateKey)), publicKey: gatewayKey.publicKey, cosignatures: [], anchor: null, anchoredAt: null };
    // The checkpointer stores a record before it hands it on.
    await records.putCheckpoint(record);
    const all = new Promise<void>((resolve) => {
      allCosigned.set(size, resolve);
      setTimeout(resolve, TIMEOUT_MS);
    });
    const t = performance.now();
    await witnessing.collect(record);
    const quorum = performance.now() - t;
    await all;
    allCosigned.delete(size);
    const times = storedAt.get(size) ?? [];
    const stored = (await store.checkpointAt(size))?.cosignatures.length ?? 0;
    return { quorum, all: times.length === WITNESSES ? Math.max(...times) - t : Number.NaN, cosignatures: stored };
  }

  /** The HTTP floor: the same three servers asked at once, until the QUORUM-th answer. */
  async function httpFloor(): Promise<number> {
    const t = performance.now();
    let answered = 0;
    let reached = 0;
    await Promise.all(
      endpoints.map(async (w) => {
        const res = await fetch(`${w.url}/v1/witness`, { headers: { accept: 'application/json' } });
        await res.text();
        if (++answered === QUORUM) reached = performance.now() - t;
      }),
    );
    return reached;
  }

  /** The SM2 floor: one witness's verify and sign, on this thread. */
  function sm2Floor(size: number): number {
    const cp: Checkpoint = { gateway: gatewayId, alg: 'keccak256', size, root: toHex(trees.get(size)!.root), ts: Date.now() };
    const signature = signCheckpoint(cp, gatewayKey.privateKey);
    const t = performance.now();
    if (!sm2Verify(encodeCheckpoint(cp), signature, gatewayKey.publicKey)) throw new Error('the floor checkpoint does not verify');
    sm2Sign(encodeCosignature(endpoints[0]!.id, Date.now(), cp), gatewayKey.privateKey);
    return performance.now() - t;
  }

  let size = BASE;
  console.log(`warming up with ${WARMUP} checkpoints…`);
  for (let i = 0; i < WARMUP; i++) {
    await checkpoint(++size);
    await httpFloor();
    sm2Floor(size);
  }

  const rounds: { quorum: number[]; all: number[]; http: number[]; sm2: number[] }[] = [];
  let short = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const round = { quorum: [] as number[], all: [] as number[], http: [] as number[], sm2: [] as number[] };
    const order = r % 2 === 0 ? ['witnesses', 'floors'] : ['floors', 'witnesses'];
    const start = size;
    for (const which of order) {
      if (which === 'witnesses') {
        for (let i = 1; i <= PER_ROUND; i++) {
          const c = await checkpoint(start + i);
          if (c.cosignatures < QUORUM) short++;
          round.quorum.push(c.quorum);
          if (!Number.isNaN(c.all)) round.all.push(c.all);
        }
      } else {
        for (let i = 1; i <= PER_ROUND; i++) {
          round.http.push(await httpFloor());
          round.sm2.push(sm2Floor(start + i));
        }
      }
    }
    size = start + PER_ROUND;
    rounds.push(round);
  }

  await witnessing.stop();
  await store.close();
  for (const c of children) c.disconnect();
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await rm(dir, { recursive: true, force: true });

  const per = (pick: (r: (typeof rounds)[number]) => number[], p: number) => rounds.map((r) => pct(pick(r), p));
  const pooled = (pick: (r: (typeof rounds)[number]) => number[]) => rounds.flatMap(pick);
  const row = (what: string, pick: (r: (typeof rounds)[number]) => number[], p: number) => {
    const xs = per(pick, p);
    return { what, 'median (ms)': fmt(median(xs)), 'range (ms)': spread(xs), [`pooled, ${fmt(pooled(pick).length, 0)} (ms)`]: fmt(pct(pooled(pick), p)) };
  };
  const added = rounds.map((r) => pct(r.quorum, 50) - pct(r.http, 50));
  console.log(
    `\n${ROUNDS} alternating rounds of ${PER_ROUND} checkpoints (${ROUNDS * PER_ROUND} in all, after ${WARMUP} to warm up): ` +
      `${WITNESSES} witness processes on 127.0.0.1, quorum ${QUORUM}, synced state on both sides`,
  );
  console.table([
    row(`signed → quorum of ${QUORUM} stored, p50`, (r) => r.quorum, 50),
    row(`signed → quorum of ${QUORUM} stored, p99`, (r) => r.quorum, 99),
    row(`signed → all ${WITNESSES} stored, p50`, (r) => r.all, 50),
    row(`signed → all ${WITNESSES} stored, p99`, (r) => r.all, 99),
    row(`baseline: GET /v1/witness to the ${WITNESSES} at once, ${QUORUM}nd answer, p50`, (r) => r.http, 50),
    row(`baseline: GET /v1/witness to the ${WITNESSES} at once, ${QUORUM}nd answer, p99`, (r) => r.http, 99),
    row('baseline: one SM2 verify + sign on this thread, p50', (r) => r.sm2, 50),
    { what: 'added over the HTTP baseline (p50 − p50)', 'median (ms)': fmt(median(added)), 'range (ms)': spread(added), [`pooled, ${ROUNDS * PER_ROUND} (ms)`]: '' },
  ]);
  if (failures.size > 0) console.log(`witness failures: ${[...failures].map(([c, n]) => `${c} ×${n}`).join(', ')}`);
  if (short > 0) console.log(`${short} checkpoints reached fewer than ${QUORUM} cosignatures within ${TIMEOUT_MS} ms`);
  const p99 = pct(pooled((r) => r.quorum), 99);
  console.log(`target ${p99 <= TARGET_P99_MS && short === 0 ? 'met' : 'NOT met'}: p99 signed → quorum is ${fmt(p99)} ms over ${ROUNDS * PER_ROUND} checkpoints (target ≤ ${TARGET_P99_MS} ms)`);
}
