import {
  computeCommitment,
  encodeLeaf,
  generateSm2KeyPair,
  MerkleTree,
  signHeader,
  toHex,
  ZERO32,
  type BatchHeader,
  type Leaf,
  type ProofBundle,
} from '@evidence/core';
import type { Deployment, LocalChain } from '@evidence/contracts';
import { rpcEvm } from '../gateway/support/evm.js';

export interface AnchoredFixture {
  chain: LocalChain;
  deployment: Deployment;
  gatewayKey: { privateKey: string; publicKey: string };
  /** A disclosed bundle of an anchored batch (seq 0, four leaves). */
  bundle: ProofBundle;
  close(): Promise<void>;
}

/**
 * A real local chain with the contracts deployed, a gateway registered and one
 * batch anchored through the EVM adapter: what a court's expert meets online.
 */
export async function anchoredFixture(): Promise<AnchoredFixture> {
  const evm = await rpcEvm();
  const gatewayKey = generateSm2KeyPair();
  // Local account 0 governs; account 1 is the gateway's anchoring account.
  const gateway = await evm.register('H330100001', gatewayKey.publicKey, 1);

  const salt = new Uint8Array(32).fill(9);
  const payload = { rx: 'RX-2026-0001', state: 'dispensed', pharmacist: 'P-17' };
  const leaves: Leaf[] = [0, 1, 2, 3].map((i) => ({
    v: 1,
    kind: 5,
    id: `0190f0a0b0c0700080000000000000${i}${i}`,
    gateway,
    subject: 'ab'.repeat(32),
    ts: 1_763_800_000_000 + i,
    commitment: i === 2 ? toHex(computeCommitment(payload, salt)) : String(i).repeat(64),
  }));
  const tree = MerkleTree.fromLeaves('keccak256', leaves.map(encodeLeaf));
  const header: BatchHeader = {
    v: 1,
    gateway,
    seq: 0,
    alg: 'keccak256',
    size: leaves.length,
    root: toHex(tree.root),
    prev: toHex(ZERO32),
    closedAt: 1_763_800_100_000,
  };
  const signature = signHeader(header, gatewayKey.privateKey, gatewayKey.publicKey);
  const receipt = await evm.anchorFor(1).anchor(header, signature);
  const bundle: ProofBundle = {
    format: 'evidence-proof/1',
    leaf: leaves[2]!,
    disclosure: { payload, salt: toHex(salt) },
    inclusion: { index: 2, size: leaves.length, path: tree.proof(2).map(toHex) },
    batch: header,
    signature: { alg: 'sm2', publicKey: gatewayKey.publicKey, value: toHex(signature) },
    anchor: receipt,
  };
  return { chain: evm.chain, deployment: evm.deployment, gatewayKey, bundle, close: () => evm.close() };
}
