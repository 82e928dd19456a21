/**
 * Witness benchmark: cosignatures per second of one witness in this process,
 * beside the bare SM2 work a cosignature cannot avoid, measured in the same run.
 *
 * Each request is what a gateway sends (the JSON body of POST
 * /v1/witness/cosign, parsed and checked against the route's schema): a
 * checkpoint of a batch log of 10^6 batches and more, signed by the gateway,
 * with the RFC 9162 consistency proof from the size the witness last
 * cosigned. The witness (node/src/witness) checks its shape, reads the
 * gateway's registered key (an in-memory registry, as the cache answers it),
 * reads its state from LevelDB, verifies the gateway's SM2 signature and the
 * consistency proof, signs its cosignature and writes the new state synced to
 * disk before it answers. GATEWAYS gateways ask at once, each its next
 * checkpoint (5 batches later) as soon as the last is answered, as gateways
 * do; concurrent writes share one fsync (group commit).
 *
 * The floor: the same SM2 verifications (same gateway keys, same checkpoint
 * bytes) and the same SM2 signatures, back to back on this thread. Target:
 * the witness reaches at least 60 % of it. Alternating rounds after a warm-up;
 * median and range. HTTP (Fastify routing, serialisation) is not included.
 *
 *   npm run bench -- witness        BENCH_QUICK=1 for fewer rounds
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  consistencyRanges,
  encodeCheckpoint,
  encodeCosignature,
  entityId,
  foldNodes,
  generateSm2KeyPair,
  hashFor,
  randomFill,
  rangeNodes,
  signCheckpoint,
  sm2Sign,
  sm2Verify,
  toHex,
  type Checkpoint,
  type Sm2KeyPair,
} from '@evidence/core';
import { Registry } from 'prom-client';
import { WitnessMetrics } from '../../node/src/metrics.js';
import { isCosignRequest, LevelWitnessStore, Witness, type CosignRequest, type GatewayKeys } from '../../node/src/witness/index.js';

const quick = process.env.BENCH_QUICK === '1';
const BASE = 1_000_000;
const EVERY = 5;
const GATEWAYS = 32;
const STEPS_PER_ROUND = quick ? 8 : 24;
const WARMUP_STEPS = 8;
const ROUNDS = quick ? 3 : 5;
const TARGET = 0.6;
const h = hashFor('keccak256');

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

// ---------------------------------------------------------------------------
// The log: 10^6 batches and the ones appended during the run, kept as its
// perfect subtrees (as a gateway's log store keeps them), so any root and any
// consistency proof costs O(log n) reads.
// ---------------------------------------------------------------------------
const steps = WARMUP_STEPS + ROUNDS * STEPS_PER_ROUND;
const leaves = BASE + EVERY * steps;
console.log(`building a batch log of ${fmt(leaves)} batches (keccak256)…`);
const levels: Uint8Array[] = [randomFill(new Uint8Array(leaves * 32))];
for (let width = leaves; width > 1; width = Math.floor(width / 2)) {
  const below = levels[levels.length - 1]!;
  const pairs = Math.floor(width / 2);
  const level = new Uint8Array(pairs * 32);
  const scratch = new Uint8Array(65);
  scratch[0] = 0x01;
  for (let i = 0; i < pairs; i++) {
    scratch.set(below.subarray(i * 64, i * 64 + 64), 1);
    level.set(h(scratch), i * 32);
  }
  levels.push(level);
}
const node = ({ level, index }: { level: number; index: number }) => levels[level]!.subarray(index * 32, index * 32 + 32);
const rootAt = (size: number) => toHex(foldNodes(h, rangeNodes([0, size]).map(node)));
const proofFrom = (from: number, size: number) => consistencyRanges(from, size).map((r) => toHex(foldNodes(h, rangeNodes(r).map(node))));

// ---------------------------------------------------------------------------
// Gateways and their requests, signed beforehand (a gateway's work, not the witness's).
// ---------------------------------------------------------------------------
interface Gateway {
  id: string;
  key: Sm2KeyPair;
  /** Wire bodies: step 0 is the first checkpoint (size BASE, from 0), step s grows the log by EVERY from the size of step s - 1. */
  bodies: string[];
  checkpoints: Checkpoint[];
  signatures: Uint8Array[];
}
const NOW = Date.now();
console.log(`signing ${fmt(GATEWAYS * (steps + 1))} checkpoints of ${GATEWAYS} gateways…`);
const roots = Array.from({ length: steps + 1 }, (_, s) => rootAt(BASE + EVERY * s));
const proofs = Array.from({ length: steps + 1 }, (_, s) => (s === 0 ? [] : proofFrom(BASE + EVERY * (s - 1), BASE + EVERY * s)));
const gateways: Gateway[] = Array.from({ length: GATEWAYS }, (_, g) => {
  const id = toHex(entityId(`H3301${String(g).padStart(5, '0')}`));
  const key = generateSm2KeyPair();
  const checkpoints: Checkpoint[] = [];
  const signatures: Uint8Array[] = [];
  const bodies: string[] = [];
  for (let s = 0; s <= steps; s++) {
    const checkpoint: Checkpoint = { gateway: id, alg: 'keccak256', size: BASE + EVERY * s, root: roots[s]!, ts: NOW + s };
    const signature = signCheckpoint(checkpoint, key.privateKey);
    const request: CosignRequest = {
      checkpoint,
      signature: { alg: 'sm2', publicKey: key.publicKey, value: toHex(signature) },
      from: s === 0 ? 0 : BASE + EVERY * (s - 1),
      proof: proofs[s]!,
    };
    checkpoints.push(checkpoint);
    signatures.push(signature);
    bodies.push(JSON.stringify(request));
  }
  return { id, key, bodies, checkpoints, signatures };
});
console.log(`consistency proofs of ${proofs[1]!.length} hashes; request bodies of ${fmt(gateways[0]!.bodies[1]!.length)} bytes`);

// ---------------------------------------------------------------------------
// The witness: LevelDB synced, as deployed; keys as the registry cache answers them.
// ---------------------------------------------------------------------------
const dir = await mkdtemp(join(tmpdir(), 'witness-bench-'));
const store = new LevelWitnessStore(join(dir, 'witness'));
const registered = new Map(gateways.map((g) => [g.id, g.key.publicKey]));
const keys: GatewayKeys = async (gateway) => registered.get(gateway) ?? null;
const me = { id: toHex(entityId('RN-BENCH')), ...generateSm2KeyPair() };
// The checkpoints were signed before the run; the clock check is a subtraction either way.
const witness = new Witness({ identity: me, store, keys, toleranceMs: 86_400_000, metrics: new WitnessMetrics(new Registry()) });
await witness.open();

/** One request as the route handles it: parse, schema check, cosign. */
async function handle(body: string): Promise<void> {
  const request: unknown = JSON.parse(body);
  if (!isCosignRequest(request)) throw new Error('the benchmark request does not match the schema');
  await witness.cosign(request);
}

/** Steps [from, to) of every gateway, the gateways at once, each one step after the other. */
async function witnessRound(from: number, to: number): Promise<{ rate: number; cores: number; fsyncs: number }> {
  const writes = store.writes;
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    gateways.map(async (g) => {
      for (let s = from; s < to; s++) await handle(g.bodies[s]!);
    }),
  );
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { rate: ((to - from) * GATEWAYS * 1000) / ms, cores: (used.user + used.system) / 1000 / ms, fsyncs: store.writes - writes };
}

/** The same SM2 work back to back: verify each gateway's checkpoint signature, sign a cosignature. */
function bareRound(from: number, to: number): number {
  const work = gateways.flatMap((g) =>
    g.checkpoints.slice(from, to).map((cp, i) => ({
      message: encodeCheckpoint(cp),
      signature: g.signatures[from + i]!,
      publicKey: g.key.publicKey,
      cosign: encodeCosignature(me.id, NOW, cp),
    })),
  );
  const t = performance.now();
  for (const w of work) {
    if (!sm2Verify(w.message, w.signature, w.publicKey)) throw new Error('bad signature in the floor loop');
    sm2Sign(w.cosign, me.privateKey);
  }
  return (work.length * 1000) / (performance.now() - t);
}

// Warm-up: every gateway's first checkpoint and a few more (keys prepared, JIT, LevelDB files created).
await witnessRound(0, WARMUP_STEPS);
bareRound(0, WARMUP_STEPS);

const ours: number[] = [];
const cores: number[] = [];
const groups: number[] = [];
const floor: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const from = WARMUP_STEPS + r * STEPS_PER_ROUND;
  const to = from + STEPS_PER_ROUND;
  const order = r % 2 === 0 ? ['witness', 'floor'] : ['floor', 'witness'];
  for (const which of order) {
    if (which === 'floor') {
      floor.push(bareRound(from, to));
    } else {
      const round = await witnessRound(from, to);
      ours.push(round.rate);
      cores.push(round.cores);
      groups.push(((to - from) * GATEWAYS) / round.fsyncs);
    }
  }
}
const last = await witness.latest(gateways[0]!.id);
if (last?.checkpoint.size !== BASE + EVERY * (WARMUP_STEPS + ROUNDS * STEPS_PER_ROUND - 1)) throw new Error('the witness did not reach the last checkpoint');
await witness.close();
await rm(dir, { recursive: true, force: true });

const ratios = ours.map((o, i) => o / floor[i]!);
const met = median(ratios) >= TARGET;
console.log(
  `\n${ROUNDS} alternating rounds of ${fmt(GATEWAYS * STEPS_PER_ROUND)} cosignatures (${GATEWAYS} gateways at once, ${STEPS_PER_ROUND} checkpoints each), ` +
    `log of ${fmt(BASE)}+ batches, a checkpoint every ${EVERY} batches`,
);
console.table([
  { what: 'witness: cosignatures/s (schema, key, state read, SM2 verify, consistency proof, SM2 sign, synced write)', median: fmt(median(ours)), range: spread(ours) },
  { what: '  cores the process obtained meanwhile (CPU time / wall; LevelDB writes on its own threads)', median: median(cores).toFixed(2), range: spread(cores, 2) },
  { what: '  cosignatures per synced write (group commit)', median: median(groups).toFixed(1), range: spread(groups, 1) },
  { what: 'floor: bare SM2 verify + sign, same keys and bytes, one thread (/s)', median: fmt(median(floor)), range: spread(floor) },
  { what: `witness / floor, per round (target ≥ ${TARGET * 100} %)`, median: `${(median(ratios) * 100).toFixed(0)} %`, range: `${spread(ratios.map((x) => x * 100))} %` },
]);
console.log(`target ${met ? 'met' : 'NOT met'}: the witness reaches ${(median(ratios) * 100).toFixed(0)} % of the bare SM2 rate (median of ${ROUNDS} rounds)`);
