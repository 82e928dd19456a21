/**
 * Gas of the EVM contracts, each figure next to a baseline measured in the
 * same run on the same in-process Hardhat network:
 *
 *  - anchor: EvidenceAnchor.anchor, steady state and first batch, next to a
 *    bare root store (one new slot and an event, no checks); target 60 000.
 *  - verifyInclusion at depths 1 to 20, next to OpenZeppelin
 *    MerkleProof.verifyCalldata at the same depth; target 1.2x. Execution gas
 *    of the call (measured inside the EVM by GasProbe): a transaction's 21 000
 *    and calldata, the same for both, would hide the difference. Per depth,
 *    the worst ratio of three leaf positions.
 *    OpenZeppelin hashes sorted pairs, not RFC 9162 nodes: cost only.
 *  - submitClaim with 1, 4 and 16 items, next to as many one-item claims.
 *  - CredentialRegistry.issue next to the bare root store; status reads next to
 *    EvidenceAnchor.batchRoot (one storage read).
 *  - anchorCheckpoint (spec v2 section 11) at logs of 10, 10^3, 10^6 and 10^7
 *    batches, next to today's per-batch anchor: the next checkpoint two batches
 *    on (one checkpoint per 2 s block, a batch closed every second) and the one
 *    with the longest consistency proof at that size; target 80 000 at 10^7.
 *    The proofs are real: a consistency proof only involves perfect subtrees,
 *    so a log is known through just those (random hashes where nothing below
 *    is needed, hashed up where something is) and both roots are computed from
 *    them; core's verifyConsistency checks each proof before it is sent.
 *    Beside it, verifyConsistency as a call (execution gas, GasProbe), and gas
 *    per event at 1 000 events/s against per-batch anchoring.
 */
import { randomBytes } from 'node:crypto';
import {
  concatBytes,
  consistencyRanges,
  encodeLeaf,
  foldNodes,
  hashChildren,
  keccak256,
  MerkleTree,
  rangeNodes,
  rootFromInclusionProof,
  signHeader,
  toHex,
  utf8,
  uuidv7,
  verifyConsistency,
  ZERO32,
  type BatchHeader,
  type LeafRange,
  type Leaf,
  type NodeId,
} from '@evidence/core';
import { Contract, ContractFactory, type TransactionReceipt, type Wallet } from 'ethers';
import {
  contractInterface,
  createEvmAnchor,
  createInProcessChain,
  deployAll,
  grantConsent,
  issueCredential,
  loadArtifact,
  registerGateway,
  setInsurerPolicy,
  submitClaim,
  type ClaimItem,
} from '@evidence/contracts';
import { generateSm2KeyPair } from '@evidence/core';

interface Row {
  operation: string;
  gas: number;
  baseline: string;
  'baseline gas': number;
  ratio: string;
  target: string;
}
const rows: Row[] = [];
const row = (operation: string, gas: number, baseline: string, baseGas: number, target = '') =>
  rows.push({ operation, gas, baseline, 'baseline gas': baseGas, ratio: (gas / baseGas).toFixed(3), target });

const chain = await createInProcessChain();
const admin = chain.wallet(0);
const gatewayWallet = chain.wallet(1);
const insurer = chain.wallet(3);
const deployment = await deployAll({ signer: admin });
const provider = chain.provider;

async function deployBench(name: 'MerkleProofBaseline' | 'GasProbe' | 'RootStoreBaseline'): Promise<Contract> {
  const { abi, bytecode } = loadArtifact(name);
  const c = await new ContractFactory(abi, bytecode, admin).deploy();
  await c.waitForDeployment();
  return c as Contract;
}
const oz = await deployBench('MerkleProofBaseline');
const probe = await deployBench('GasProbe');
const rootStore = await deployBench('RootStoreBaseline');
const gasOf = async (tx: Promise<{ wait(): Promise<TransactionReceipt | null> }>) => Number((await (await tx).wait())!.gasUsed);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- anchor -------------------------------------------------------------
const keys = generateSm2KeyPair();
const gateway = toHex(keccak256(new TextEncoder().encode('bench gateway')));
await registerGateway({ signer: admin, address: deployment.contracts.EvidenceAnchor }, { gateway, account: gatewayWallet.address, publicKey: keys.publicKey });
const anchor = createEvmAnchor({ provider, signer: gatewayWallet, address: deployment.contracts.EvidenceAnchor });
const anchorGas: number[] = [];
const batches: { header: BatchHeader; leaves: Leaf[]; tree: MerkleTree }[] = [];
const subject = toHex(randomBytes(32));
const KINDS = [5, 8, 7, 4, 6, 2, 3, 1];
let prev = toHex(ZERO32);
for (let seq = 0; seq < 20; seq++) {
  const leaves: Leaf[] = Array.from({ length: 64 }, (_, i) => ({
    v: 1,
    kind: seq === 0 && i === 0 ? 9 : KINDS[i % KINDS.length]!,
    id: toHex(uuidv7()),
    gateway,
    subject,
    ts: Date.now(),
    commitment: toHex(randomBytes(32)),
  }));
  const tree = MerkleTree.fromLeaves('keccak256', leaves.map(encodeLeaf));
  const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: leaves.length, root: toHex(tree.root), prev, closedAt: Date.now() };
  const ref = await anchor.anchor(header, signHeader(header, keys.privateKey, keys.publicKey));
  anchorGas.push(Number((await provider.getTransactionReceipt(ref.txHash))!.gasUsed));
  batches.push({ header, leaves, tree });
  prev = (await anchor.latest(gateway))!.headerHash;
}
const storeGas: number[] = [];
for (let seq = 0; seq < 20; seq++) {
  storeGas.push(await gasOf(rootStore.getFunction('store')(`0x${gateway}`, seq, `0x${batches[seq]!.header.root}`)));
}
row('anchor (median of seq 1..19)', median(anchorGas.slice(1)), 'bare root store', median(storeGas.slice(1)), '<= 60000');
row('anchor (seq 0)', anchorGas[0]!, 'bare root store', storeGas[0]!, '<= 60000');

// ---- verifyInclusion vs OpenZeppelin ------------------------------------
const anchorIface = contractInterface('EvidenceAnchor');
async function probeGas(target: string, data: string): Promise<{ gas: number; result: string }> {
  const [gas, ok, result] = (await probe.getFunction('measure').staticCall(target, data)) as [bigint, boolean, string];
  if (!ok) throw new Error(`probed call reverted: ${result}`);
  return { gas: Number(gas), result };
}
const sortedPair = (a: Uint8Array, b: Uint8Array) => (Buffer.compare(a, b) <= 0 ? keccak256(a, b) : keccak256(b, a));
const TRUE = `0x${'00'.repeat(31)}01`;
for (let depth = 1; depth <= 20; depth++) {
  // The costliest of three positions: leftmost (all left children), rightmost
  // (all right children) and one at random; OpenZeppelin on the same hashes.
  const size = 2 ** depth;
  let worst = { ours: 0, theirs: 1 };
  for (const index of [0, size - 1, Math.floor(Math.random() * size)]) {
    const leaf = keccak256(randomBytes(32));
    const path = Array.from({ length: depth }, () => new Uint8Array(randomBytes(32)));
    const root = rootFromInclusionProof(keccak256, index, size, leaf, path);
    const ours = await probeGas(
      deployment.contracts.EvidenceAnchor,
      anchorIface.encodeFunctionData('verifyInclusion', [leaf, index, size, path, root]),
    );
    const ozRoot = path.reduce<Uint8Array>((acc, p) => sortedPair(acc, p), leaf);
    const theirs = await probeGas(await oz.getAddress(), oz.interface.encodeFunctionData('verifyCalldata', [path, ozRoot, leaf]));
    if (ours.result !== TRUE || theirs.result !== TRUE) throw new Error(`depth ${depth}: a proof did not verify`);
    if (ours.gas / theirs.gas > worst.ours / worst.theirs) worst = { ours: ours.gas, theirs: theirs.gas };
  }
  row(`verifyInclusion depth ${depth}`, worst.ours, 'OZ verifyCalldata', worst.theirs, '<= 1.2x');
}

// ---- claims ---------------------------------------------------------------
await setInsurerPolicy({ signer: admin, address: deployment.contracts.ClaimVerifier }, { insurer: insurer.address, requiredKinds: [] });
const consentBatch = batches[0]!;
await grantConsent(
  { signer: gatewayWallet, address: deployment.contracts.ConsentRegistry },
  {
    consent: consentBatch.leaves[0]!,
    location: { seq: 0, index: 0, size: 64, path: consentBatch.tree.proof(0).map(toHex) },
    grantee: insurer.address,
    kinds: KINDS,
    expiresAt: Date.now() + 86_400_000 * 365,
  },
);
let cursor = 1; // next unused leaf across batches 1..19 (batch 0 holds the consent)
function nextItems(n: number): ClaimItem[] {
  return Array.from({ length: n }, () => {
    const b = 1 + Math.floor(cursor / 64);
    const i = cursor % 64;
    cursor++;
    const batch = batches[b]!;
    return { leaf: batch.leaves[i]!, location: { seq: b, index: i, size: 64, path: batch.tree.proof(i).map(toHex) } };
  });
}
const claimClient = { signer: insurer as Wallet, address: deployment.contracts.ClaimVerifier };
const claimGas = async (items: ClaimItem[]) => {
  const verdict = await submitClaim(claimClient, { claimId: toHex(concatBytes(uuidv7(), randomBytes(16))), subject, items });
  return Number((await provider.getTransactionReceipt(verdict.txHash))!.gasUsed);
};
for (const n of [1, 4, 16]) {
  const one = nextItems(n);
  const together = await claimGas(one);
  let separately = 0;
  for (const item of nextItems(n)) separately += await claimGas([item]);
  row(`submitClaim ${n} item${n > 1 ? 's' : ''}`, together, `${n} one-item claim${n > 1 ? 's' : ''}`, separately);
}

// ---- credentials ----------------------------------------------------------
const credentials = { signer: gatewayWallet, address: deployment.contracts.CredentialRegistry };
const credentialId = toHex(randomBytes(32));
const issued = await issueCredential(credentials, {
  credentialId,
  issuer: gateway,
  practitioner: toHex(randomBytes(32)),
  role: 'doctor',
  licenceDigest: toHex(randomBytes(32)),
  validFrom: Date.now() - 1000,
  validUntil: Date.now() + 86_400_000 * 365,
});
const issueGas = Number((await provider.getTransactionReceipt(issued.txHash))!.gasUsed);
row('CredentialRegistry.issue', issueGas, 'bare root store', median(storeGas.slice(1)));
const registry = new Contract(deployment.contracts.CredentialRegistry, contractInterface('CredentialRegistry'), provider);
const rootRead = await probeGas(deployment.contracts.EvidenceAnchor, anchorIface.encodeFunctionData('batchRoot', [`0x${gateway}`, 3]));
const statusRead = await probeGas(deployment.contracts.CredentialRegistry, registry.interface.encodeFunctionData('statusAt', [`0x${credentialId}`, Date.now()]));
row('CredentialRegistry.statusAt (execution)', statusRead.gas, 'EvidenceAnchor.batchRoot (1 read)', rootRead.gas);

// ---- checkpoints -----------------------------------------------------------
/**
 * The two roots of a log at sizes m < n and PROOF(m, D[n]), from the perfect
 * subtrees the proof and both roots are made of. A node with none of those
 * below it gets a random hash (it stands for a subtree nobody opens); any
 * other node is hashed from its children, so every relation the verifier
 * checks holds, as in a real log of n entries.
 */
function sparseLog(m: number, n: number, seed: string): { firstRoot: Uint8Array; secondRoot: Uint8Array; proof: Uint8Array[] } {
  const ranges: LeafRange[] = consistencyRanges(m, n);
  const needed: NodeId[] = [[0, m] as const, [0, n] as const, ...ranges].flatMap((r) => rangeNodes(r));
  const neededBelow = (level: number, index: number) =>
    needed.some((x) => x.level < level && Math.floor(x.index / 2 ** (level - x.level)) === index);
  const memo = new Map<string, Uint8Array>();
  const node = (level: number, index: number): Uint8Array => {
    const key = `${level}/${index}`;
    let h = memo.get(key);
    if (!h) {
      h = neededBelow(level, index)
        ? hashChildren(keccak256, node(level - 1, 2 * index), node(level - 1, 2 * index + 1))
        : keccak256(utf8(`${seed}/${key}`));
      memo.set(key, h);
    }
    return h;
  };
  const rangeHash = (r: LeafRange) => foldNodes(keccak256, rangeNodes(r).map((x) => node(x.level, x.index)));
  const out = { firstRoot: rangeHash([0, m]), secondRoot: rangeHash([0, n]), proof: ranges.map(rangeHash) };
  if (!verifyConsistency(keccak256, m, n, out.firstRoot, out.secondRoot, out.proof)) throw new Error(`no valid proof ${m} -> ${n}`);
  return out;
}

/** The older size whose proof to n is longest, among sizes near n, near powers of two, and at random. */
function longestProofFrom(n: number): number {
  const candidates = new Set<number>();
  if (n <= 4096) for (let m = 1; m < n; m++) candidates.add(m);
  for (let d = 1; d <= 64 && d < n; d++) candidates.add(n - d);
  for (let k = 1; 2 ** k < n; k++) for (const j of [-3, -1, 1, 3]) if (2 ** k + j >= 1 && 2 ** k + j < n) candidates.add(2 ** k + j);
  for (let i = 0; i < 4000; i++) candidates.add(1 + Math.floor(Math.random() * (n - 1)));
  let best = n - 1;
  for (const m of candidates) if (consistencyRanges(m, n).length > consistencyRanges(best, n).length) best = m;
  return best;
}

const anchorContract = new Contract(deployment.contracts.EvidenceAnchor, anchorIface, gatewayWallet);
let cpGateways = 0;
/** Gas of anchoring checkpoint n on a fresh gateway whose last checkpoint is m. */
async function checkpointGas(m: number, n: number): Promise<{ first: number; next: number; proof: number; verify: number }> {
  const id = toHex(keccak256(utf8(`bench checkpoint gateway ${cpGateways++}`)));
  await registerGateway({ signer: admin, address: deployment.contracts.EvidenceAnchor }, { gateway: id, account: gatewayWallet.address, publicKey: keys.publicKey });
  const log = sparseLog(m, n, id);
  const send = (size: number, root: Uint8Array, proof: Uint8Array[]) =>
    gasOf(anchorContract.getFunction('anchorCheckpoint')(`0x${id}`, 1, size, root, Date.now(), proof));
  const first = await send(m, log.firstRoot, []);
  const next = await send(n, log.secondRoot, log.proof);
  const verify = await probeGas(deployment.contracts.EvidenceAnchor, anchorIface.encodeFunctionData('verifyConsistency', [m, n, log.firstRoot, log.secondRoot, log.proof]));
  if (verify.result !== TRUE) throw new Error(`verifyConsistency ${m} -> ${n} returned false`);
  return { first, next, proof: log.proof.length, verify: verify.gas };
}

interface CheckpointRow {
  'log size': string;
  step: string;
  'proof hashes': number;
  'anchorCheckpoint gas': number;
  'per-batch anchor gas': number;
  ratio: string;
  'verifyConsistency (execution)': number;
  target: string;
}
const cpRows: CheckpointRow[] = [];
const perBatch = median(anchorGas.slice(1));
const TARGET = 80_000;
const SIZES: [string, number][] = [
  ['10', 10],
  ['10^3', 1_000],
  ['10^6', 1_000_000],
  ['10^7', 10_000_000],
];
const steady: Record<string, number> = {};
let firstCheckpoint = 0;
let worstAtTop = 0;
for (const [label, n] of SIZES) {
  const twoBatches = await checkpointGas(n - 2, n);
  firstCheckpoint = Math.max(firstCheckpoint, twoBatches.first);
  steady[label] = twoBatches.next;
  const m = longestProofFrom(n);
  const longest = await checkpointGas(m, n);
  const target = n === 10_000_000 ? `<= ${TARGET}` : '';
  cpRows.push({ 'log size': label, step: `${n - 2} -> ${n}`, 'proof hashes': twoBatches.proof, 'anchorCheckpoint gas': twoBatches.next, 'per-batch anchor gas': perBatch, ratio: (twoBatches.next / perBatch).toFixed(3), 'verifyConsistency (execution)': twoBatches.verify, target });
  cpRows.push({ 'log size': label, step: `${m} -> ${n} (longest proof)`, 'proof hashes': longest.proof, 'anchorCheckpoint gas': longest.next, 'per-batch anchor gas': perBatch, ratio: (longest.next / perBatch).toFixed(3), 'verifyConsistency (execution)': longest.verify, target });
  if (n === 10_000_000) worstAtTop = longest.next;
}

// A gateway closes a batch every second: at 1 000 events/s a batch holds 1 000
// events. Per batch: one anchor per batch. Checkpoints: one per 2 s block,
// covering the two batches closed in it.
const EVENTS_PER_S = 1_000;
const BLOCK_S = 2;
const perEvent = SIZES.map(([label]) => ({
  'log size': label,
  'checkpoint gas / event': Number((steady[label]! / (EVENTS_PER_S * BLOCK_S)).toFixed(2)),
  'per-batch anchor gas / event': Number((perBatch / EVENTS_PER_S).toFixed(2)),
  'checkpoint txs / block': 1,
  'per-batch txs / block': BLOCK_S,
  ratio: (steady[label]! / (EVENTS_PER_S * BLOCK_S) / (perBatch / EVENTS_PER_S)).toFixed(3),
}));

console.log('Gas, EVM contracts (Hardhat in-process network, solc 0.8.30, optimizer runs 10000, legacy pipeline)');
console.table(rows);
const anchorOk = anchorGas.every((g) => g <= 60_000);
const inclusionOk = rows.filter((r) => r.operation.startsWith('verifyInclusion')).every((r) => Number(r.ratio) <= 1.2);
console.log(`anchor <= 60000 gas for all ${anchorGas.length} batches: ${anchorOk ? 'yes' : 'NO'} (max ${Math.max(...anchorGas)})`);
console.log(`verifyInclusion within 1.2x of OpenZeppelin at every depth: ${inclusionOk ? 'yes' : 'NO'}`);
console.log('\nCheckpoint anchoring (transaction gas; a first checkpoint, with no proof, took at most ' + `${firstCheckpoint})`);
console.table(cpRows);
console.log(`Gas per event at ${EVENTS_PER_S} events/s, a batch a second, a block every ${BLOCK_S} s`);
console.table(perEvent);
const atTop = steady['10^7']!;
console.log(
  `anchorCheckpoint <= ${TARGET} gas at 10^7 batches: two-batch step ${atTop} (${atTop <= TARGET ? 'yes' : 'NO'}), ` +
    `longest proof ${worstAtTop} (${worstAtTop <= TARGET ? 'yes' : 'NO'})`,
);
await chain.close();
