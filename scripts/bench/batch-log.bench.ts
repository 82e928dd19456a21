/**
 * Batch log proofs (spec v2 section 9) through the gateway's real store, each
 * figure beside a baseline measured in the same run.
 *
 * For each log size (10^6 and 10^7 batches by default) a LevelStore in a temp
 * folder is filled with every perfect subtree of the log, as closing batches
 * writes them, through store.backfillLog in chunks of 2^16 batches. The leaf
 * hashes are random 32-byte values, not hashes of real signed headers (a
 * header's only part in the log is its leaf hash, and signing 10^7 headers
 * would take longer than the whole benchmark); the parents are computed with
 * the core's hashChildren (keccak256), as BatchLog.nodesFor does. The store is
 * then closed and opened again, as at a gateway restart, and BatchLog.open
 * reads its right edge. Timed, a few thousand calls each with random arguments:
 *
 *   root(size)                1 <= size <= n (a past size: read from the store; the current one is in memory)
 *   inclusionProof(seq, size) 0 <= seq < size <= n
 *   consistencyProof(m, n')   1 <= m < n' <= n
 *
 * against the baseline: the tree root recomputed over all leaves with the
 * core's MerkleTree.fromLeafHashes at 10^6 leaves held in memory (the first
 * 10^6 of the log; the BatchLog root at 10^6 must equal it), and the same
 * after reading those 10^6 leaf hashes from the store, which a log keeping only
 * its leaves would have to do first. The baseline at 10^7 is estimated as ten
 * times the one at 10^6 (the work is linear in the leaves; building it would
 * hold 10^7 hashes in memory). Proofs and baseline alternate in rounds (the
 * machine's speed drifts by tens of percent between minutes): each figure is
 * the median of the rounds' values, with their range. The operating system's
 * page cache holds the freshly written files, so reads are mostly from memory;
 * LevelDB's own cache starts cold at the reopen.
 *
 *   npm run bench -- batch-log
 *   BENCH_LOG_SIZES=1000000,4000000 BENCH_CALLS=1000 BENCH_ROUNDS=3 npm run bench -- batch-log
 */
import { randomFillSync, randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completedNodes, consistencyRanges, hashChildren, hashFor, inclusionRanges, MerkleTree, rangeNodes, toHex, type NodeId } from '@evidence/core';
import { LevelStore } from '@evidence/gateway';
import { BatchLog } from '../../gateway/src/log/batch-log.js';
import type { LogNode } from '../../gateway/src/ports/store.js';

const SIZES = (process.env.BENCH_LOG_SIZES ?? '1000000,10000000').split(',').map(Number);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Batches per backfillLog write (about 2^17 subtrees, one synced write). */
const CHUNK = 2 ** 16;
/** The baseline's tree: the first BASE leaves of each log. */
const BASE = 1_000_000;
const keccak = hashFor('keccak256');

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
/** "median (lowest–highest)" of per-round values. */
const spread = (xs: number[], unit: string, d: number) => `${fmt(median(xs), d)} ${unit} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;
const sizeLabel = (n: number) => {
  const e = Math.log10(n);
  if (Number.isInteger(e)) return `10^${e}`;
  const lead = n / 10 ** Math.floor(e);
  return Number.isInteger(lead) ? `${lead}·10^${Math.floor(e)}` : fmt(n);
};

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * Writes the log of n random leaf hashes: per entry its leaf and every parent
 * it completes (the left siblings come off the right edge, as in BatchLog),
 * 2^16 entries per synced write. Returns the first `keep` leaf hashes.
 */
async function fill(store: LevelStore, n: number, keep: number): Promise<{ seconds: number; subtrees: number; first: Uint8Array }> {
  const first = new Uint8Array(Math.min(keep, n) * 32);
  const edge: Uint8Array[] = [];
  let subtrees = 0;
  const t0 = performance.now();
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const leaves = randomFillSync(new Uint8Array((end - start) * 32));
    if (start < keep) first.set(leaves.subarray(0, Math.min(end, keep) * 32 - start * 32), start * 32);
    const nodes: LogNode[] = [];
    for (let seq = start; seq < end; seq++) {
      const ids = completedNodes(seq);
      let hash: Uint8Array = leaves.subarray((seq - start) * 32, (seq - start + 1) * 32);
      nodes.push({ id: ids[0]!, hash });
      for (let i = 1; i < ids.length; i++) {
        hash = hashChildren(keccak, edge.pop()!, hash);
        nodes.push({ id: ids[i]!, hash });
      }
      edge.push(hash);
    }
    subtrees += nodes.length;
    await store.backfillLog(nodes, end);
  }
  return { seconds: (performance.now() - t0) / 1000, subtrees, first };
}

type Kind = 'root' | 'inclusion' | 'consistency';
const KINDS: Kind[] = ['root', 'inclusion', 'consistency'];

/** One call of `kind` with random arguments; resolves with its duration (ms) and how many stored subtrees it read. */
async function call(log: BatchLog, kind: Kind, n: number): Promise<{ ms: number; reads: number }> {
  let reads = 0;
  let t: number;
  if (kind === 'root') {
    // A past size (the current root is a fold of the in-memory edge and reads nothing).
    const size = 1 + randomInt(n - 1);
    reads = rangeNodes([0, size]).length;
    t = performance.now();
    await log.root(size);
  } else if (kind === 'inclusion') {
    const size = 1 + randomInt(n);
    const seq = randomInt(size);
    reads = inclusionRanges(seq, size).reduce((s, r) => s + rangeNodes(r).length, 0);
    t = performance.now();
    await log.inclusionProof(seq, size);
  } else {
    const second = 2 + randomInt(n - 1);
    const first = 1 + randomInt(second - 1);
    reads = consistencyRanges(first, second).reduce((s, r) => s + rangeNodes(r).length, 0);
    t = performance.now();
    await log.consistencyProof(first, second);
  }
  return { ms: performance.now() - t, reads };
}

/** The first `count` leaf hashes read back from the store, 10^4 per read. */
async function readLeaves(store: LevelStore, count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let start = 0; start < count; start += 10_000) {
    const ids: NodeId[] = [];
    for (let i = start; i < Math.min(count, start + 10_000); i++) ids.push({ level: 0, index: i });
    out.push(...(await store.logNodes(ids)));
  }
  return out;
}

interface Row {
  'log size': string;
  operation: string;
  'p50 per call': string;
  'p99 per call': string;
  'subtrees read (mean)': string;
  'baseline: recompute over all leaves in memory': string;
  '… leaves read from the store first': string;
  'baseline ÷ p50': string;
}
const fillRows: Record<string, string>[] = [];
const rows: Row[] = [];

for (const n of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'batch-log-bench-'));
  try {
    let store = await LevelStore.open(dir);
    const filled = await fill(store, n, BASE);
    await store.close();
    const bytes = folderBytes(dir);
    fillRows.push({
      'log size': sizeLabel(n),
      'fill time': `${fmt(filled.seconds, 1)} s (${fmt(n / filled.seconds)} batches/s)`,
      'subtrees written': fmt(filled.subtrees),
      'data folder': `${fmt(bytes / 2 ** 20)} MiB (${fmt(bytes / n, 1)} bytes per batch)`,
    });

    store = await LevelStore.open(dir);
    const t0 = performance.now();
    const log = await BatchLog.open(store, 'keccak256');
    const openMs = performance.now() - t0;
    if (log.size !== n) throw new Error(`log opened at size ${log.size}, filled ${n}`);
    const baseSize = Math.min(BASE, n);
    const leafHashes = Array.from({ length: baseSize }, (_, i) => filled.first.subarray(i * 32, (i + 1) * 32));
    const expected = toHex(MerkleTree.fromLeafHashes('keccak256', leafHashes).root);
    if ((await log.root(baseSize)) !== expected) throw new Error(`the stored log's root at ${baseSize} is not the recomputed one`);

    // Warm-up: JIT and LevelDB's first reads.
    for (const kind of KINDS) for (let i = 0; i < 200; i++) await call(log, kind, n);

    const p50: Record<Kind, number[]> = { root: [], inclusion: [], consistency: [] };
    const p99: Record<Kind, number[]> = { root: [], inclusion: [], consistency: [] };
    const reads: Record<Kind, number> = { root: 0, inclusion: 0, consistency: 0 };
    const recompute: number[] = [];
    const readAndRecompute: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of KINDS) {
        const ms: number[] = [];
        for (let i = 0; i < CALLS; i++) {
          const c = await call(log, kind, n);
          ms.push(c.ms);
          reads[kind] += c.reads;
        }
        ms.sort((a, b) => a - b);
        p50[kind].push(pct(ms, 50));
        p99[kind].push(pct(ms, 99));
      }
      let t = performance.now();
      MerkleTree.fromLeafHashes('keccak256', leafHashes);
      recompute.push(performance.now() - t);
      t = performance.now();
      MerkleTree.fromLeafHashes('keccak256', await readLeaves(store, baseSize));
      readAndRecompute.push(performance.now() - t);
    }
    await store.close();

    // The baseline at n: measured at 10^6 in the same rounds, scaled by n / 10^6 above it (linear in the leaves).
    const scale = n / baseSize;
    const est = scale === 1 ? '' : `est. ${fmt(scale, 0)} × 10^6: `;
    const base = recompute.map((x) => x * scale);
    const baseRead = readAndRecompute.map((x) => x * scale);
    for (const kind of KINDS) {
      const ratios = p50[kind].map((x, i) => base[i]! / x);
      rows.push({
        'log size': sizeLabel(n),
        operation: { root: 'root(size), a past size', inclusion: 'inclusionProof(seq, size)', consistency: 'consistencyProof(m, n)' }[kind],
        'p50 per call': spread(p50[kind].map((x) => x * 1000), 'µs', 0),
        'p99 per call': spread(p99[kind].map((x) => x * 1000), 'µs', 0),
        'subtrees read (mean)': fmt(reads[kind] / (ROUNDS * CALLS), 1),
        'baseline: recompute over all leaves in memory': kind === 'root' ? `${est}${spread(base, 'ms', 0)}` : 'same (a proof needs the tree first)',
        '… leaves read from the store first': kind === 'root' ? `${est}${spread(baseRead, 'ms', 0)}` : 'same',
        'baseline ÷ p50': `${fmt(median(ratios))}× (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))})`,
      });
    }
    rows.push({
      'log size': sizeLabel(n),
      operation: 'BatchLog.open (reads the right edge)',
      'p50 per call': `${fmt(openMs * 1000, 0)} µs (once)`,
      'p99 per call': '-',
      'subtrees read (mean)': fmt(n.toString(2).replace(/0/g, '').length),
      'baseline: recompute over all leaves in memory': '-',
      '… leaves read from the store first': '-',
      'baseline ÷ p50': '-',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `Batch log through the gateway's LevelStore: random 32-byte leaf hashes (not real headers), keccak256 parents; ` +
    `${ROUNDS} alternating rounds of ${fmt(CALLS)} calls per operation; median of the rounds (lowest–highest)`,
);
console.table(fillRows);
console.table(rows);
