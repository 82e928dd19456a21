/**
 * Gateways' batch logs for the witness tests: RFC 9162 logs built with the
 * core's MerkleTree over 32-byte leaves (standing for batch headers), signed
 * checkpoints and cosign requests with real consistency proofs, and the
 * rewrites a forking gateway would make.
 */
import { entityId, generateSm2KeyPair, MerkleTree, randomFill, signCheckpoint, toHex, type Checkpoint, type HashAlg, type Sm2KeyPair } from '@evidence/core';
import type { CosignRequest, GatewayKeys, WitnessIdentity } from '../../node/src/witness/index.js';

export class GatewayLog {
  readonly id: string;
  readonly leaves: Uint8Array[] = [];

  constructor(
    readonly code: string,
    readonly key: Sm2KeyPair = generateSm2KeyPair(),
    readonly alg: HashAlg = 'keccak256',
  ) {
    this.id = toHex(entityId(code));
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Appends `n` batches (random 32-byte leaves). */
  append(n: number): this {
    for (let i = 0; i < n; i++) this.leaves.push(randomFill(new Uint8Array(32)));
    return this;
  }

  tree(size = this.size): MerkleTree {
    return MerkleTree.fromLeaves(this.alg, this.leaves.slice(0, size));
  }

  checkpoint(size = this.size, ts = Date.now()): Checkpoint {
    return { gateway: this.id, alg: this.alg, size, root: toHex(this.tree(size).root), ts };
  }

  /**
   * A cosign request for the log at `size`, signed with the gateway's key (or
   * `signWith`), with the consistency proof from `from`.
   */
  request(o: { size?: number; from?: number; ts?: number; signWith?: Sm2KeyPair; checkpoint?: Checkpoint } = {}): CosignRequest {
    const size = o.size ?? this.size;
    const from = o.from ?? 0;
    const checkpoint = o.checkpoint ?? this.checkpoint(size, o.ts);
    const signer = o.signWith ?? this.key;
    const proof = from === 0 || from === size ? [] : this.tree(size).consistencyProof(from).map(toHex);
    return {
      checkpoint,
      signature: { alg: 'sm2', publicKey: signer.publicKey, value: toHex(signCheckpoint(checkpoint, signer.privateKey)) },
      from,
      proof,
    };
  }

  /** The same gateway (id and key) with batch `index` rewritten: the history it would show someone else. */
  rewritten(index: number): GatewayLog {
    const other = new GatewayLog(this.code, this.key, this.alg);
    other.leaves.push(...this.leaves.map((l) => l.slice()));
    other.leaves[index] = randomFill(new Uint8Array(32));
    return other;
  }
}

/** A registry holding these gateways' keys for every seq. */
export function registryOf(...logs: GatewayLog[]): GatewayKeys & { reads: number } {
  const byId = new Map(logs.map((l) => [l.id, l.key.publicKey]));
  const keys = Object.assign(
    async (gateway: string) => {
      keys.reads++;
      return byId.get(gateway) ?? null;
    },
    { reads: 0 },
  );
  return keys;
}

export function witnessIdentity(code = 'RN-WITNESS'): WitnessIdentity & { code: string } {
  return { code, id: toHex(entityId(code)), ...generateSm2KeyPair() };
}
