/** Builds, signs and anchors a batch of real-looking leaves for the registry tests. */
import { encodeLeaf, kindCode, MerkleTree, signHeader, toHex, uuidv7, ZERO32, type BatchHeader, type Leaf } from '@evidence/core';
import type { EvidenceLocation } from '../src/index.js';
import type { GatewayIdentity, System } from './fixture.js';

export interface LeafSpec {
  kind: string;
  subject: string;
}

export interface AnchoredBatchFixture {
  header: BatchHeader;
  leaves: Leaf[];
  tree: MerkleTree;
  /** Where leaf i is anchored. */
  location(i: number): EvidenceLocation;
}

export function buildBatch(gateway: GatewayIdentity, seq: number, prev: string, specs: LeafSpec[]): AnchoredBatchFixture {
  const leaves: Leaf[] = specs.map((s, i) => ({
    v: 1,
    kind: kindCode(s.kind),
    id: toHex(uuidv7()),
    gateway: gateway.id,
    subject: s.subject,
    ts: 1_763_800_000_000 + seq * 1000 + i,
    commitment: toHex(new Uint8Array(32).map((_, j) => (seq * 31 + i * 7 + j) & 0xff)),
  }));
  const tree = MerkleTree.fromLeaves('keccak256', leaves.map(encodeLeaf));
  const header: BatchHeader = {
    v: 1,
    gateway: gateway.id,
    seq,
    alg: 'keccak256',
    size: leaves.length,
    root: toHex(tree.root),
    prev,
    closedAt: 1_763_800_100_000 + seq,
  };
  return {
    header,
    leaves,
    tree,
    location: (i) => ({ seq, index: i, size: leaves.length, path: tree.proof(i).map(toHex) }),
  };
}

/** Builds the gateway's next batch and anchors it through the adapter. */
export async function anchorBatch(system: System, gateway: GatewayIdentity, specs: LeafSpec[]): Promise<AnchoredBatchFixture> {
  const anchor = system.anchorAs(gateway.wallet);
  const latest = await anchor.latest(gateway.id);
  const batch = buildBatch(gateway, latest ? latest.seq + 1 : 0, latest ? latest.headerHash : toHex(ZERO32), specs);
  await anchor.anchor(batch.header, signHeader(batch.header, gateway.privateKey, gateway.publicKey));
  return batch;
}
