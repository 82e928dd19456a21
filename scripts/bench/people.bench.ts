/**
 * The users' side (issue 7): the regulator's audit and the insurer's package
 * check, each beside a baseline measured in the same run.
 *   1. auditGateway over N signed headers (a key rotation halfway) vs the bare
 *      SM2 verification of the same N headers: what the audit's own checks cost
 *      on top of the signature floor.
 *   2. Collecting an audit's chain view of B anchored batches from a real EVM
 *      chain (Hardhat in process, the ethers adapter), 8 reads in flight, vs the
 *      same reads one at a time.
 *   3. parseClaimPackage (every bundle verified, claim items matched) vs
 *      verifyBundle on the same bundles alone.
 *   npm run bench -- people        BENCH_QUICK=1 for smaller N and B
 */
import {
  auditGateway,
  collectViews,
  entityId,
  generateSm2KeyPair,
  headerHash,
  MerkleTree,
  encodeLeaf,
  prepareSm2PublicKey,
  signHeader,
  toHex,
  verifyBundle,
  verifyHeaderSignature,
  fromHex,
  ZERO32,
  type BatchHeader,
  type ChainView,
  type Leaf,
  type ProofBundle,
  type ServedBatch,
} from '@evidence/core';
import { claimFromBundles, parseClaimPackage, type ClaimPackage } from '@evidence/contracts';
import { inProcessEvm } from '../../test/gateway/support/evm.js';

const quick = process.env.BENCH_QUICK === '1';
const N = quick ? 500 : 2000;
const B = quick ? 40 : 150;
const rows: Record<string, string>[] = [];
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const time = async (fn: () => unknown | Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
function row(what: string, ours: number, baseline: string, base: number, unit: 'ms' | 'µs') {
  rows.push({ what, ours: `${fmt(ours, 1)} ${unit}`, baseline, 'baseline time': `${fmt(base, 1)} ${unit}`, 'ours / baseline': `${(ours / base).toFixed(2)}×` });
}

// --- 1. the pure audit ---
const gateway = toHex(entityId('H330100001'));
const keys = [generateSm2KeyPair(), generateSm2KeyPair()];
const served: ServedBatch[] = [];
let prev = toHex(ZERO32);
for (let seq = 0; seq < N; seq++) {
  const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: 1024, root: toHex(entityId(`r${seq}`)), prev, closedAt: Date.now() - 3_600_000 };
  const key = keys[seq < N / 2 ? 0 : 1]!;
  served.push({ header, signature: toHex(signHeader(header, key.privateKey, key.publicKey)), publicKey: key.publicKey });
  prev = toHex(headerHash(header));
}
const chain: ChainView = {
  gateway,
  latest: { seq: N - 1, headerHash: prev },
  batches: served.map((s) => ({ gateway, seq: s.header.seq, alg: s.header.alg, size: s.header.size, root: s.header.root, headerHash: toHex(headerHash(s.header)) })),
  keys: served.map((s) => s.publicKey),
};
auditGateway(chain, { closed: N - 1, batches: served.slice(0, 50) }); // warm up
const audit = await time(() => {
  const r = auditGateway(chain, { closed: N - 1, batches: served });
  if (!r.ok) throw new Error('the benchmark history should audit clean');
});
const prepared = keys.map((k) => prepareSm2PublicKey(k.publicKey));
const bare = await time(() => {
  for (const s of served) if (!verifyHeaderSignature(s.header, fromHex(s.signature), prepared[s.header.seq < N / 2 ? 0 : 1]!)) throw new Error('bad');
});
row(`audit ${fmt(N)} headers (auditGateway)`, audit, 'SM2 verify of the same headers', bare, 'ms');

// --- 2. the chain view from a real EVM chain ---
const evm = await inProcessEvm();
try {
  const key = generateSm2KeyPair();
  const id = await evm.register('H330100009', key.publicKey, 3);
  const anchor = evm.anchorFor(3);
  let last = toHex(ZERO32);
  for (let seq = 0; seq < B; seq++) {
    const header: BatchHeader = { v: 1, gateway: id, seq, alg: 'keccak256', size: 4, root: toHex(entityId(`b${seq}`)), prev: last, closedAt: Date.now() };
    await anchor.anchor(header, signHeader(header, key.privateKey, key.publicKey));
    last = toHex(headerHash(header));
  }
  const reader = evm.anchorFor(4);
  await collectViews(reader, id, null, { concurrency: 8 }); // warm up
  const parallel = await time(() => collectViews(reader, id, null, { concurrency: 8 }));
  const sequential = await time(async () => {
    const latest = await reader.latest(id);
    for (let seq = 0; seq <= latest!.seq; seq++) {
      await reader.batch(id, seq);
      await reader.keyAt(id, seq);
    }
  });
  row(`chain view of ${B} anchored batches (collectViews, 8 in flight)`, parallel, 'the same reads one at a time', sequential, 'ms');
} finally {
  await evm.close();
}

// --- 3. the insurer's package check ---
const subject = 'ab'.repeat(32);
const leaves: Leaf[] = [5, 8].map((kind, i) => ({ v: 1, kind, id: `0190f0a0b0c07000800000000000000${i}`, gateway, subject, ts: Date.now(), commitment: String(i + 1).repeat(64) }));
const tree = MerkleTree.fromLeaves('keccak256', leaves.map(encodeLeaf));
const header: BatchHeader = { v: 1, gateway, seq: 0, alg: 'keccak256', size: 2, root: toHex(tree.root), prev: toHex(ZERO32), closedAt: Date.now() };
const sig = toHex(signHeader(header, keys[0]!.privateKey, keys[0]!.publicKey));
const bundles: ProofBundle[] = leaves.map((leaf, i) => ({
  format: 'evidence-proof/1',
  leaf,
  disclosure: null,
  inclusion: { index: i, size: 2, path: tree.proof(i).map(toHex) },
  batch: header,
  signature: { alg: 'sm2', publicKey: keys[0]!.publicKey, value: sig },
  anchor: null,
}));
const pkg: ClaimPackage = {
  format: 'evidence-claim/1',
  gateway: { code: 'H330100001', id: gateway },
  insurer: '0x' + '11'.repeat(20),
  subject,
  consent: { status: 'active', kinds: [5, 8], expiresAt: Date.now() + 1e9, evidenceId: '00'.repeat(16) },
  items: bundles.map((b) => ({ evidenceId: b.leaf.id, kind: b.leaf.kind === 5 ? 'prescription' : 'payment', bundle: b })),
  claim: claimFromBundles('cc'.repeat(32), subject, bundles),
  issuedAt: Date.now(),
};
const reps = quick ? 100 : 400;
for (let i = 0; i < 20; i++) parseClaimPackage(pkg);
const parse = await time(() => {
  for (let i = 0; i < reps; i++) parseClaimPackage(pkg);
});
const verifyOnly = await time(() => {
  for (let i = 0; i < reps; i++) for (const b of bundles) verifyBundle(b);
});
row('check a 2-item claim package (parseClaimPackage)', (parse * 1000) / reps, 'verifyBundle of its 2 bundles', (verifyOnly * 1000) / reps, 'µs');

console.log('\nRegulator audit and insurer package check, each beside its baseline (lower is better; ours / baseline near 1 means the checks add little).');
console.table(rows);
