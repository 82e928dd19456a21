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
 */
import { randomBytes } from 'node:crypto';
import {
  concatBytes,
  encodeLeaf,
  keccak256,
  MerkleTree,
  rootFromInclusionProof,
  signHeader,
  toHex,
  uuidv7,
  ZERO32,
  type BatchHeader,
  type Leaf,
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

console.log('Gas, EVM contracts (Hardhat in-process network, solc 0.8.30, optimizer runs 10000, legacy pipeline)');
console.table(rows);
const anchorOk = anchorGas.every((g) => g <= 60_000);
const inclusionOk = rows.filter((r) => r.operation.startsWith('verifyInclusion')).every((r) => Number(r.ratio) <= 1.2);
console.log(`anchor <= 60000 gas for all ${anchorGas.length} batches: ${anchorOk ? 'yes' : 'NO'} (max ${Math.max(...anchorGas)})`);
console.log(`verifyInclusion within 1.2x of OpenZeppelin at every depth: ${inclusionOk ? 'yes' : 'NO'}`);
await chain.close();
