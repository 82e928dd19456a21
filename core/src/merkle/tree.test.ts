import fc from 'fast-check';
import { MerkleTree as MerkleTreeJs } from 'merkletreejs';
import { describe, expect, it } from 'vitest';
import { hashFor, type HashAlg } from '../hash/alg.js';
import { MerkleTree } from './tree.js';
import { decomposeInclusionProof, rootFromInclusionProof, verifyInclusion } from './verify.js';

const ALGS: HashAlg[] = ['keccak256', 'sm3'];

function leavesOf(n: number, seed = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(122);
    new DataView(b.buffer).setUint32(0, i + seed * 100_003);
    return b;
  });
}

/** merkletreejs given RFC 9162's domain separation: 0x00 leaves, 0x01 || left || right nodes, odd node promoted. */
function oracleRoot(alg: HashAlg, leaves: Uint8Array[]): string {
  const h = hashFor(alg);
  const hashed = leaves.map((l) => Buffer.from(h(new Uint8Array([0]), l)));
  const tree = new MerkleTreeJs(hashed, (data: Buffer) => Buffer.from(h(data)), {
    concatenator: (bufs: Buffer[]) => Buffer.concat([Buffer.from([1]), ...bufs]),
    sortPairs: false,
    hashLeaves: false,
  });
  return tree.getRoot().toString('hex');
}

describe.each(ALGS)('RFC 9162 tree with %s', (alg) => {
  const h = hashFor(alg);

  it('every index of every size from 1 to 300 proves', () => {
    for (let size = 1; size <= 300; size++) {
      const tree = MerkleTree.fromLeaves(alg, leavesOf(size));
      const root = tree.root;
      for (let i = 0; i < size; i++) {
        expect(verifyInclusion(h, i, size, tree.leafHash(i), tree.proof(i), root)).toBe(true);
      }
    }
  });

  it('merkletreejs agrees on every root from 1 to 300 leaves', () => {
    for (let size = 1; size <= 300; size++) {
      const leaves = leavesOf(size, 7);
      expect(Buffer.from(MerkleTree.fromLeaves(alg, leaves).root).toString('hex')).toBe(oracleRoot(alg, leaves));
    }
  });

  it('flipping any byte of the path, or changing index, size or root, fails', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }).chain((size) => fc.tuple(fc.constant(size), fc.nat(size - 1))),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        ([size, index], where, xor) => {
          const tree = MerkleTree.fromLeaves(alg, leavesOf(size, 3));
          const leaf = tree.leafHash(index);
          const path = tree.proof(index);
          const root = tree.root;
          expect(verifyInclusion(h, index, size, leaf, path, root)).toBe(true);
          // a byte of the path
          if (path.length > 0) {
            const bad = path.map((p) => p.slice());
            const entry = where % bad.length;
            bad[entry]![(where >> 8) % 32]! ^= xor;
            expect(verifyInclusion(h, index, size, leaf, bad, root)).toBe(false);
          }
          // a byte of the root
          const badRoot = root.slice();
          badRoot[where % 32]! ^= xor;
          expect(verifyInclusion(h, index, size, leaf, path, badRoot)).toBe(false);
          // another index or size
          const otherIndex = (index + 1 + (where % (size - 1))) % size;
          expect(verifyInclusion(h, otherIndex, size, leaf, path, root)).toBe(false);
          // Another size: RFC 9162 binds the size through the signed header, not the
          // path, so a size with the same proof shape computes the same root (the
          // bundle verifier requires inclusion.size = batch.size for that reason).
          // A size whose shape differs must fail.
          for (const otherSize of [size - 1, size + 1, size + 1 + (where % 300)]) {
            if (otherSize <= index) continue;
            const same = decomposeInclusionProof(index, otherSize);
            const mine = decomposeInclusionProof(index, size);
            if (same.inner !== mine.inner || same.border !== mine.border) {
              expect(verifyInclusion(h, index, otherSize, leaf, path, root)).toBe(false);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses an index outside the tree, a zero size and path entries of the wrong length', () => {
    const tree = MerkleTree.fromLeaves(alg, leavesOf(5));
    const leaf = tree.leafHash(4);
    const path = tree.proof(4);
    expect(() => rootFromInclusionProof(h, 5, 5, leaf, path)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
    expect(() => rootFromInclusionProof(h, 0, 0, leaf, path)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
    expect(() => rootFromInclusionProof(h, -1, 5, leaf, path)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
    expect(() => rootFromInclusionProof(h, 4, 5, leaf, [...path, path[0]!])).toThrow(
      expect.objectContaining({ code: 'MERKLE_BAD_PATH_LENGTH' }),
    );
    expect(() => rootFromInclusionProof(h, 4, 5, leaf, [path[0]!.subarray(1)])).toThrow(
      expect.objectContaining({ code: 'MERKLE_BAD_PATH_LENGTH' }),
    );
    expect(verifyInclusion(h, 4, 5, leaf, [], tree.root)).toBe(false);
  });

  it('refuses an empty batch and a leaf index outside the tree', () => {
    expect(() => MerkleTree.fromLeaves(alg, [])).toThrow(expect.objectContaining({ code: 'MERKLE_EMPTY_TREE' }));
    const tree = MerkleTree.fromLeaves(alg, leavesOf(3));
    expect(() => tree.proof(3)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
  });

  it('a leaf cannot pose as an interior node (second-preimage resistance by domain separation)', () => {
    const tree = MerkleTree.fromLeaves(alg, leavesOf(4));
    // The concatenation of two leaf hashes, presented as a leaf of a 2-leaf tree, must not verify.
    const level1 = new Uint8Array(64);
    level1.set(tree.leafHash(0), 0);
    level1.set(tree.leafHash(1), 32);
    const fakeLeafHash = h(new Uint8Array([0]), level1);
    expect(verifyInclusion(h, 0, 2, fakeLeafHash, [tree.proof(3)[1]!], tree.root)).toBe(false);
  });
});
