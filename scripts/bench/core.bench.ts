/**
 * Core benchmarks (issue: foundation): SM3, SM2, tree build and proofs, bundle
 * verification, each beside a baseline measured in the same run.
 *   npm run bench -- core            full run (1 M-leaf trees; merkletreejs baseline at 1 M takes ~1 min)
 *   BENCH_QUICK=1 npm run bench -- core   stops at 100 k leaves
 */
import { createHash } from 'node:crypto';
import { keccak_256 as nobleKeccak } from '@noble/hashes/sha3';
import { MerkleTree as MerkleTreeJs } from 'merkletreejs';
import smCrypto from 'sm-crypto';
import * as smV2 from 'sm-crypto-v2';
import {
  encodeLeaf,
  generateSm2KeyPair,
  hashFor,
  MerkleTree,
  prepareSm2PublicKey,
  signHeader,
  sm2Sign,
  sm2Verify,
  sm3,
  toHex,
  utf8,
  verifyBundle,
  type HashAlg,
} from '@evidence/core';
import { vectors } from '../../test/support/vectors.js';

const quick = process.env.BENCH_QUICK === '1';
const rows: Record<string, string | number>[] = [];

/** Runs fn repeatedly for at least `ms` milliseconds and returns operations per second. */
function rate(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 10; i++) fn(); // warm up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}

function timeOnce<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
function row(what: string, ours: string, oursValue: number, baseline: string, baseValue: number, unit: string, higherIsBetter = true) {
  const ratio = higherIsBetter ? oursValue / baseValue : baseValue / oursValue;
  rows.push({ what, ours: `${fmt(oursValue, unit === 'ms' ? 1 : 0)} ${unit}`, impl: ours, baseline: `${fmt(baseValue, unit === 'ms' ? 1 : 0)} ${unit}`, 'baseline impl': baseline, speedup: `${ratio.toFixed(1)}×` });
}

// --- SM3 ---
const msg122 = new Uint8Array(122).fill(0x5a);
const msg1k = new Uint8Array(1024).fill(0x5a);
for (const [label, m] of [['SM3 122 B', msg122], ['SM3 1 KiB', msg1k]] as const) {
  const hex = toHex(m);
  const ours = rate(() => sm3(m));
  const base = rate(() => smCrypto.sm3(Array.from(m) as unknown as string), 1000);
  void hex;
  row(label, 'node OpenSSL', ours, 'sm-crypto', base, 'hash/s');
}
row('Keccak-256 122 B', 'hash-wasm', rate(() => hashFor('keccak256')(msg122)), '@noble/hashes', rate(() => nobleKeccak(msg122)), 'hash/s');

// --- SM2 ---
const kp = generateSm2KeyPair();
const message = utf8('batch header bytes: 122 of them in practice'.padEnd(122, '.'));
const sig = sm2Sign(message, kp.privateKey, kp.publicKey);
const sigHex = toHex(sig);
const prepared = prepareSm2PublicKey(kp.publicKey);
const msgArray = Array.from(message) as unknown as string;
const legacySig = smCrypto.sm2.doSignature(msgArray, kp.privateKey, { hash: true, publicKey: kp.publicKey });
row('SM2 sign', 'sm-crypto-v2', rate(() => sm2Sign(message, kp.privateKey, kp.publicKey), 2000), 'sm-crypto', rate(() => smCrypto.sm2.doSignature(msgArray, kp.privateKey, { hash: true, publicKey: kp.publicKey }), 3000), 'sig/s');
const legacyVerify = rate(() => smCrypto.sm2.doVerifySignature(msgArray, legacySig, kp.publicKey, { hash: true }), 3000);
row('SM2 verify (key seen before)', 'sm-crypto-v2 + key cache', rate(() => sm2Verify(message, sig, kp.publicKey), 2000), 'sm-crypto', legacyVerify, 'verify/s');
// A key never seen before pays its precomputation: fresh keys each time.
const fresh = Array.from({ length: 60 }, () => {
  const k = generateSm2KeyPair();
  return { k, s: sm2Sign(message, k.privateKey, k.publicKey) };
});
const coldStart = performance.now();
for (const { k, s } of fresh) sm2Verify(message, s, k.publicKey);
const coldRate = (fresh.length / (performance.now() - coldStart)) * 1000;
row('SM2 verify (new key, cold)', 'sm-crypto-v2 + key cache', coldRate, 'sm-crypto', legacyVerify, 'verify/s');
row('SM2 verify, prepared key', 'sm-crypto-v2 precomputed', rate(() => sm2Verify(message, sig, prepared), 2000), 'sm-crypto-v2 no precompute', rate(() => smLegacyFreeVerify(), 2000), 'verify/s');
function smLegacyFreeVerify(): boolean {
  return smV2.sm2.doVerifySignature(message, sigHex, kp.publicKey, { hash: true });
}

// --- Bundle verification ---
const bundle = vectors.bundles[0]!.bundle;
const perBundle = 1000 / rate(() => verifyBundle(bundle), 2000);
const sm3Bundle = vectors.bundles[3]!.bundle;
const perSm3Bundle = 1000 / rate(() => verifyBundle(sm3Bundle), 2000);
const coldBundles = Array.from({ length: 30 }, () => generateSm2KeyPair()).map((k) => {
  const b = structuredClone(bundle);
  b.signature = { alg: 'sm2', publicKey: k.publicKey, value: toHex(signHeader(b.batch, k.privateKey, k.publicKey)) };
  return b;
});
const coldBundleStart = performance.now();
for (const b of coldBundles) if (!verifyBundle(b).valid) throw new Error('cold bundle failed');
const coldBundle = (performance.now() - coldBundleStart) / coldBundles.length;
console.log('\nCore primitives (same run, same machine):');
console.table(rows);
console.table([
  { what: 'offline bundle verification (keccak256, disclosed, key seen before)', 'ms/bundle': perBundle.toFixed(3), target: '≤ 3 ms' },
  { what: 'offline bundle verification (first bundle of a new key, cold)', 'ms/bundle': coldBundle.toFixed(3), target: '(one-off)' },
  { what: 'offline bundle verification (sm3, disclosed)', 'ms/bundle': perSm3Bundle.toFixed(3), target: '≤ 3 ms' },
]);

// --- Trees ---
function leaves(n: number): Uint8Array[] {
  const out: Uint8Array[] = new Array(n);
  const leaf = {
    v: 1,
    kind: 5,
    id: '0'.repeat(32),
    gateway: vectors.identifiers[0]!.id,
    subject: 'ab'.repeat(32),
    ts: 1_763_800_000_000,
    commitment: 'cd'.repeat(32),
  };
  const template = encodeLeaf(leaf);
  for (let i = 0; i < n; i++) {
    const b = template.slice();
    new DataView(b.buffer).setUint32(14, i);
    out[i] = b;
  }
  return out;
}

function merkletreejs(alg: HashAlg, data: Uint8Array[]) {
  // Baseline hashes: noble Keccak (what merkletreejs users typically pass) and sm-crypto SM3 would be
  // far slower still; for SM3 the baseline uses node's OpenSSL so the comparison is about the tree code.
  const h = alg === 'keccak256' ? (b: Uint8Array) => Buffer.from(nobleKeccak(b)) : (b: Uint8Array) => createHash('sm3').update(b).digest();
  const hashed = data.map((d) => h(Buffer.concat([Buffer.from([0]), d])));
  return new MerkleTreeJs(hashed, h, {
    concatenator: (bufs: Buffer[]) => Buffer.concat([Buffer.from([1]), ...bufs]),
    sortPairs: false,
    hashLeaves: false,
  });
}

const treeRows: Record<string, string>[] = [];
for (const n of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
  const data = leaves(n);
  for (const alg of ['keccak256', 'sm3'] as HashAlg[]) {
    (globalThis as { gc?: () => void }).gc?.();
    const built = timeOnce(() => MerkleTree.fromLeaves(alg, data));
    const proofs = Math.min(n, 10_000);
    const proofTime = timeOnce(() => {
      for (let i = 0; i < proofs; i++) built.value.proof((i * 7919) % n);
    });
    (globalThis as { gc?: () => void }).gc?.();
    const base = timeOnce(() => merkletreejs(alg, data));
    const baseProof = timeOnce(() => {
      for (let i = 0; i < Math.min(proofs, 1000); i++) base.value.getProof(base.value.getLeaves()[(i * 7919) % n]!, (i * 7919) % n);
    });
    if (toHex(base.value.getRoot()) !== toHex(built.value.root)) throw new Error(`root mismatch at ${n} ${alg}`);
    treeRows.push({
      leaves: fmt(n),
      alg,
      'build (ours)': `${fmt(built.ms)} ms`,
      'build (merkletreejs)': `${fmt(base.ms)} ms`,
      speedup: `${(base.ms / built.ms).toFixed(1)}×`,
      'proof (ours)': `${((proofTime.ms * 1000) / proofs).toFixed(2)} µs`,
      'proof (merkletreejs)': `${((baseProof.ms * 1000) / Math.min(proofs, 1000)).toFixed(2)} µs`,
      'proof speedup': `${(baseProof.ms / Math.min(proofs, 1000) / (proofTime.ms / proofs)).toFixed(1)}×`,
    });
  }
}
console.log('\nRFC 9162 batch trees from leaf bytes (roots checked equal to merkletreejs). Target: 1 M-leaf Keccak ≤ 3 s.');
console.table(treeRows);
