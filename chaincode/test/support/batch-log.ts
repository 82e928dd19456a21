import {
  encodeHeader,
  encodeLeaf,
  headerHash,
  MerkleTree,
  signCheckpoint,
  signHeader,
  toHex,
  ZERO32,
  type BatchHeader,
  type Checkpoint,
  type HashAlg,
  type Leaf,
  type ProofBundleV2,
} from '@evidence/core';

export interface LogSigner {
  id: string;
  privateKey: string;
  publicKey: string;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  signature: Uint8Array;
  /** The key that signed it. */
  publicKey: string;
}

/**
 * A gateway's batch log as tests need it (spec section 9): batches of leaves
 * closed one after another, the log tree over their headers, signed
 * checkpoints, consistency proofs between sizes, and version 2 bundles. Trees
 * are rebuilt on demand: tests hold a few dozen batches.
 */
export class TestBatchLog {
  readonly batches: { header: BatchHeader; signature: Uint8Array; leaves: Leaf[]; tree: MerkleTree }[] = [];

  constructor(
    readonly gateway: LogSigner,
    readonly alg: HashAlg = 'sm3',
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.batches.length;
  }

  /** Closes the next batch with these leaves, signed by `signer` (the gateway's key unless rotated). */
  append(leaves: Leaf[], signer: LogSigner = this.gateway): BatchHeader {
    const tree = MerkleTree.fromLeaves(this.alg, leaves.map(encodeLeaf));
    const last = this.batches.at(-1);
    const header: BatchHeader = {
      v: 1,
      gateway: this.gateway.id,
      seq: this.batches.length,
      alg: this.alg,
      size: leaves.length,
      root: toHex(tree.root),
      prev: last ? toHex(headerHash(last.header)) : toHex(ZERO32),
      closedAt: this.clock(),
    };
    this.batches.push({ header, signature: signHeader(header, signer.privateKey, signer.publicKey), leaves, tree });
    return header;
  }

  /** The log tree of the first `size` batches. */
  tree(size = this.size): MerkleTree {
    return MerkleTree.fromLeaves(this.alg, this.batches.slice(0, size).map((b) => encodeHeader(b.header)));
  }

  /** The checkpoint of the log at `size`, signed by `signer` at `ts`. */
  checkpoint(size = this.size, options: { ts?: number; signer?: LogSigner } = {}): SignedCheckpoint {
    const checkpoint: Checkpoint = { gateway: this.gateway.id, alg: this.alg, size, root: toHex(this.tree(size).root), ts: options.ts ?? this.clock() };
    const signer = options.signer ?? this.gateway;
    return { checkpoint, signature: signCheckpoint(checkpoint, signer.privateKey), publicKey: signer.publicKey };
  }

  /** PROOF(first, D[second]) of RFC 9162; empty when there is no first checkpoint. */
  consistency(first: number, second = this.size): Uint8Array[] {
    return first === 0 ? [] : this.tree(second).consistencyProof(first);
  }

  /** The version 2 bundle of leaf `index` of batch `seq`, at the checkpoint of `size`. */
  bundle(seq: number, index: number, signed: SignedCheckpoint, batchKey: LogSigner = this.gateway): ProofBundleV2 {
    const b = this.batches[seq]!;
    const size = signed.checkpoint.size;
    return {
      format: 'evidence-proof/2',
      leaf: b.leaves[index]!,
      disclosure: null,
      inclusion: { index, size: b.header.size, path: b.tree.proof(index).map(toHex) },
      batch: b.header,
      signature: { alg: 'sm2', publicKey: batchKey.publicKey, value: toHex(b.signature) },
      log: {
        checkpoint: signed.checkpoint,
        signature: { alg: 'sm2', publicKey: signed.publicKey, value: toHex(signed.signature) },
        inclusion: { index: seq, size, path: this.tree(size).proof(seq).map(toHex) },
        cosignatures: [],
      },
      anchor: null,
    };
  }
}
