/**
 * The regulator's audit, resumed from a state file on a batch log of 10^7
 * batches, each figure beside a baseline measured in the same run.
 *
 * A log of 10^7 real batches cannot be stored here, and the audit never needs
 * one: resuming at size S, it holds the log's compact range at S (one node per
 * set bit of S, 8 for 10^7) and reads nothing below S. So the history below
 * 10^7 is modelled by a state file whose compact range is 8 random subtree
 * hashes, the chain holding a checkpoint of size 10^7 with their root. Above
 * it, a sample of the day is real: signed headers 10^7.., linked by prev,
 * a checkpoint anchored every 5 batches (one transaction per 5 s at one batch
 * per second), every root recomputed and compared. Both sides are in memory
 * (no HTTP, no RPC): what is measured is the audit itself.
 *
 *   1. Batches verified per second, resumed at 10^7: runAudit with one
 *      signature thread per core, against the same run on the calling thread
 *      alone, and the bare one-thread SM2 verification loop of the same
 *      headers with the same key table (the floor). Alternating rounds after a
 *      warm-up in which every thread has widened its key table (window 12):
 *      the steady state of a day's audit. Median and range.
 *   2. The fixed cost of resuming at 10^7 (state checks, chain reads, the
 *      first checkpoint) with threads already started; thread start-up and the
 *      window-12 table (built once per thread, in parallel) on their own.
 *   3. One day (86,400 batches) on the 10^7 log, estimated as those fixed
 *      costs plus 86,400 over the rate of 1 (median and range over the rounds),
 *      beside the whole history audited at that rate, as without a state file.
 *
 *   npm run bench -- audit        BENCH_QUICK=1 for a smaller sample and fewer rounds
 */
import { availableParallelism } from 'node:os';
import {
  AUDIT_STATE_FORMAT,
  CompactRange,
  createVerifier,
  encodeHeader,
  entityId,
  foldNodes,
  fromHex,
  generateSm2KeyPair,
  hashFor,
  headerHash,
  KeyHistory,
  logLeafHash,
  prepareSm2PublicKey,
  randomFill,
  runAudit,
  signHeader,
  sm2Verify,
  toHex,
  type AnchoredCheckpoint,
  type AuditChain,
  type AuditState,
  type BatchHeader,
  type GatewaySource,
  type ServedBatch,
  type SignatureVerifier,
} from '@evidence/core';

const quick = process.env.BENCH_QUICK === '1';
const BASE = 10_000_000;
const DAY = 86_400;
const SAMPLE = quick ? 2_000 : 8_640;
const ROUNDS = quick ? 3 : 5;
const EVERY = 5;
const CHECKPOINTS_BELOW = BASE / EVERY;
const NOW = Date.now();
const threads = availableParallelism();
const gateway = toHex(entityId('H330100001'));
const key = generateSm2KeyPair();
const keccak = hashFor('keccak256');

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

/** The history below 10^7: random perfect subtrees, and the chain's checkpoint of their root. */
function historyBelow(): { state: AuditState; range: CompactRange; checkpoint: AnchoredCheckpoint } {
  const nodes: Uint8Array[] = [];
  for (let level = 52; level >= 0; level--) if (Math.floor(BASE / 2 ** level) % 2 === 1) nodes.push(randomFill(new Uint8Array(32)));
  const range = CompactRange.fromNodes(keccak, BASE, nodes);
  const root = toHex(foldNodes(keccak, nodes));
  const checkpoint: AnchoredCheckpoint = { gateway, index: CHECKPOINTS_BELOW - 1, size: BASE, root, ts: NOW - 86_400_000, anchoredAt: NOW - 86_400_000 };
  const state: AuditState = {
    format: AUDIT_STATE_FORMAT,
    gateway,
    alg: 'keccak256',
    size: BASE,
    lastHeaderHash: toHex(randomFill(new Uint8Array(32))),
    range: nodes.map(toHex),
    checkpoint: { index: checkpoint.index, size: BASE, root },
    v1: null,
    keys: new KeyHistory([{ fromSeq: 0, publicKey: key.publicKey }]).digestBelow(BASE),
    savedAt: NOW - 86_400_000,
  };
  return { state, range, checkpoint };
}

/** The day's sample: signed headers from 10^7 on, and the checkpoints anchored over them. */
function daySample(below: ReturnType<typeof historyBelow>): { served: ServedBatch[]; checkpoints: AnchoredCheckpoint[] } {
  const served: ServedBatch[] = [];
  const checkpoints = [below.checkpoint];
  const range = below.range.clone();
  let prev = below.state.lastHeaderHash;
  for (let i = 0; i < SAMPLE; i++) {
    const header: BatchHeader = { v: 1, gateway, seq: BASE + i, alg: 'keccak256', size: 256, root: toHex(entityId(`day ${i}`)), prev, closedAt: NOW - 3_600_000 + i };
    served.push({ header, signature: toHex(signHeader(header, key.privateKey)), publicKey: key.publicKey });
    prev = toHex(headerHash(header));
    range.append(logLeafHash(header));
    if ((i + 1) % EVERY === 0) {
      checkpoints.push({ gateway, index: CHECKPOINTS_BELOW - 1 + checkpoints.length, size: BASE + i + 1, root: toHex(range.root()), ts: NOW, anchoredAt: NOW });
    }
  }
  return { served, checkpoints };
}

/** The chain and the gateway as far as `upTo` batches of the day, in memory, answering through promises as the real ports do. */
function sides(served: ServedBatch[], checkpoints: AnchoredCheckpoint[], upTo: number): { chain: AuditChain; source: GatewaySource } {
  const held = checkpoints.filter((c) => c.size <= BASE + upTo);
  const first = held[0]!.index;
  const chain: AuditChain = {
    latest: () => Promise.resolve(null),
    batch: () => Promise.resolve(null),
    keyAt: () => Promise.resolve(key.publicKey),
    keyHistory: () => Promise.resolve([{ fromSeq: 0, publicKey: key.publicKey }]),
    latestCheckpoint: () => Promise.resolve(held.at(-1)!),
    checkpointAt: (_g, size) => Promise.resolve(held.find((c) => c.size === size) ?? null),
    checkpoints: (_g, from, limit) => Promise.resolve(held.slice(Math.max(0, from - first), Math.max(0, from - first + limit))),
  };
  const source: GatewaySource = {
    closed: () => Promise.resolve(BASE + upTo - 1),
    batch: (seq) => Promise.resolve(seq >= BASE && seq < BASE + upTo ? served[seq - BASE]! : null),
  };
  return { chain, source };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  return (await measured(fn)).ms;
}

/** Wall time, and the cores the process obtained meanwhile (CPU time of all its threads over wall time): others share this machine. */
async function measured(fn: () => Promise<void>): Promise<{ ms: number; cores: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { ms, cores: (used.user + used.system) / 1000 / ms };
}

const below = historyBelow();
console.log(`signing the day's sample: ${fmt(SAMPLE)} headers from seq ${fmt(BASE)}…`);
const { served, checkpoints } = daySample(below);
const whole = sides(served, checkpoints, SAMPLE);

async function audit(verifier: SignatureVerifier, s = whole, expected = SAMPLE): Promise<void> {
  const { report } = await runAudit(s.chain, gateway, s.source, { state: below.state, verifier, now: NOW });
  if (!report.ok || report.resumedFrom !== BASE || report.audited.to - report.audited.from !== expected) {
    throw new Error(`the benchmark history should audit clean from ${BASE}: ${JSON.stringify(report).slice(0, 400)}`);
  }
}

// Thread start-up and the first (window-8) key table, on their own (from sources, each thread first registers tsx).
const startup = await timed(async () => {
  const v = createVerifier(threads);
  await v.verify(Array.from({ length: threads * 64 }, (_, i) => ({ message: encodeHeader(served[i]!.header), signature: fromHex(served[i]!.signature), key: key.publicKey })));
  await v.close();
});
let prepared = prepareSm2PublicKey(key.publicKey, 8);
const widen = await timed(async () => {
  prepared = prepareSm2PublicKey(key.publicKey, 12);
});

const pool = createVerifier(threads);
const inline = createVerifier(0);
const messages = served.map((s) => encodeHeader(s.header));
const signatures = served.map((s) => fromHex(s.signature, 64));
const first = sides(served, checkpoints, EVERY);

// Warm up until every thread (and the calling thread) has checked more than 8,192 signatures under the key: window 12 from then on.
for (let done = 0; done <= 8192 * threads + SAMPLE; done += SAMPLE) await audit(pool);
for (let done = 0; done <= 8192 + SAMPLE; done += SAMPLE) await audit(inline);

const ours: number[] = [];
const oursCores: number[] = [];
const oneThread: number[] = [];
const floor: number[] = [];
const fixed: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['ours', 'one'] : ['one', 'ours'];
  for (const which of order) {
    const { ms, cores } = await measured(() => audit(which === 'ours' ? pool : inline));
    (which === 'ours' ? ours : oneThread).push((SAMPLE / ms) * 1000);
    if (which === 'ours') oursCores.push(cores);
  }
  floor.push(
    (SAMPLE / (await timed(async () => {
      for (let i = 0; i < SAMPLE; i++) if (!sm2Verify(messages[i]!, signatures[i]!, prepared)) throw new Error('bad');
    }))) * 1000,
  );
  fixed.push(await timed(() => audit(pool, first, EVERY)));
}
await pool.close();

const ratios = ours.map((o, i) => o / oneThread[i]!);
const perCore = ours.map((o, i) => o / oursCores[i]!);
const dayAt = (rate: number, fixedMs: number) => fixedMs / 1000 + DAY / rate;
const days = ours.map((rate, i) => dayAt(rate, fixed[i]! + startup + widen));
const rows = [
  { what: `audit resumed at ${fmt(BASE)}, ${threads} signature threads (batches/s)`, median: fmt(median(ours)), range: spread(ours) },
  { what: '  cores the process obtained meanwhile (CPU time / wall)', median: median(oursCores).toFixed(2), range: spread(oursCores, 2) },
  { what: `  per core obtained (batches per CPU-second); × ${threads} = rate with the machine to itself`, median: fmt(median(perCore)), range: spread(perCore) },
  { what: 'same audit on the calling thread alone, baseline (batches/s)', median: fmt(median(oneThread)), range: spread(oneThread) },
  { what: 'ours / baseline, per round', median: `${median(ratios).toFixed(2)}×`, range: spread(ratios, 2) },
  { what: 'bare SM2 verify of the same headers, same key table, one thread, floor (/s)', median: fmt(median(floor)), range: spread(floor) },
  { what: `fixed cost: resume at ${fmt(BASE)} + first checkpoint (${EVERY} batches), threads running (ms)`, median: fmt(median(fixed), 1), range: spread(fixed, 1) },
  { what: `thread start-up and window-8 key table, ${threads} threads from sources (ms, once)`, median: fmt(startup, 1), range: '' },
  { what: 'window-12 key table, built once per thread in parallel (ms, once)', median: fmt(widen, 1), range: '' },
  { what: `one day (${fmt(DAY)} batches) on a ${fmt(BASE)} log: fixed costs + ${fmt(DAY)} / rate (s)`, median: fmt(median(days), 1), range: spread(days, 1) },
  { what: `without a state file: the whole history (${fmt(BASE + DAY)} batches) at the same rate (min)`, median: fmt((BASE + DAY) / median(ours) / 60, 0), range: '' },
];
console.log(`\n${ROUNDS} alternating rounds over ${fmt(SAMPLE)} real batches of the day, checkpoint every ${EVERY} batches, ${threads} cores`);
console.table(rows);
