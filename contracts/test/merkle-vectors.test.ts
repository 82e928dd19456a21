/**
 * The on-chain hashing and RFC 9162 verification of EvidenceAnchor against the
 * independent implementation's vectors: every Keccak proof verifies through
 * verifyInclusion with leafHash, every tampered one fails (false, not a
 * revert), and leaf and header hashes computed on chain equal the vectors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALG_CODE, encodeHeader, keccak256, MerkleTree, toHex, verifyInclusion, type BatchHeader } from '@evidence/core';
import type { Contract } from 'ethers';
import { vectors } from '../../test/support/vectors.js';
import { deploySystem, expectRevert, hex0x, type System } from './fixture.js';

const keccakTrees = vectors.trees.filter((t) => t.alg === 'keccak256');

function flip(hex: string, at = 0): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('hex');
}

describe('EvidenceAnchor pure functions against the vectors', () => {
  let system: System;
  let anchor: Contract;

  beforeAll(async () => {
    system = await deploySystem();
    anchor = system.contract('EvidenceAnchor');
  });
  afterAll(() => system.close());

  const verify = (leafHash: string, index: number, size: number, path: string[], root: string) =>
    anchor.getFunction('verifyInclusion')(hex0x(leafHash), index, size, path.map(hex0x), hex0x(root)) as Promise<boolean>;

  it('has Keccak trees of several shapes to check', () => {
    expect(keccakTrees.map((t) => t.size)).toEqual([1, 2, 3, 5, 8, 13]);
  });

  it('computes every vector leaf hash from the 122 leaf bytes', async () => {
    for (const v of vectors.leaves) {
      expect(await anchor.getFunction('leafHash')(hex0x(v.leafBytes))).toBe(hex0x(v.leafHash.keccak256));
    }
  });

  it('reverts leafHash on leaf bytes that are not 122 bytes long', async () => {
    const bytes = vectors.leaves[0]!.leafBytes;
    for (const bad of [bytes.slice(0, -2), `${bytes}00`, '']) {
      const args = await expectRevert(anchor.getFunction('leafHash')(hex0x(bad)), 'EvidenceAnchor__InvalidLeafLength');
      expect(args.length).toBe(BigInt(bad.length / 2));
    }
  });

  describe.each(keccakTrees.map((t) => [t.size, t] as const))('tree of %i leaves', (_size, tree) => {
    it('verifies every proof', async () => {
      for (const p of tree.proofs) {
        expect(await verify(p.leafHash, p.index, tree.size, p.path, tree.root)).toBe(true);
        expect(p.leafHash).toBe(tree.leafHashes[p.index]);
      }
    });

    it('rejects every tampered proof with false', async () => {
      for (const p of tree.proofs) {
        const { leafHash, index, path } = p;
        expect(await verify(flip(leafHash), index, tree.size, path, tree.root)).toBe(false);
        expect(await verify(leafHash, index, tree.size, path, flip(tree.root, 31))).toBe(false);
        // another leaf's hash at this position
        const other = tree.leafHashes[(index + 1) % tree.size]!;
        if (tree.size > 1) expect(await verify(other, index, tree.size, path, tree.root)).toBe(false);
        for (let i = 0; i < path.length; i++) {
          const tampered = path.map((h, j) => (j === i ? flip(h, 7) : h));
          expect(await verify(leafHash, index, tree.size, tampered, tree.root)).toBe(false);
        }
        if (path.length > 0) {
          expect(await verify(leafHash, index, tree.size, path.slice(0, -1), tree.root)).toBe(false);
          expect(await verify(leafHash, index, tree.size, [...path].reverse(), tree.root)).toBe(path.length === 1 || path[0] === path.at(-1));
        }
        expect(await verify(leafHash, index, tree.size, [...path, tree.root], tree.root)).toBe(false);
        // wrong position or size: index out of range, neighbour index, other sizes
        expect(await verify(leafHash, tree.size, tree.size, path, tree.root)).toBe(false);
        expect(await verify(leafHash, index, 0, path, tree.root)).toBe(false);
        if (tree.size > 1) expect(await verify(leafHash, index ^ 1, tree.size, path, tree.root)).toBe(false);
        // A tree twice as tall: the path ends before the root. (Off-edge leaves of
        // n and n+1 leaves share their paths, as RFC 9162 allows; size is not bound there.)
        expect(await verify(leafHash, index, tree.size * 2, path, tree.root)).toBe(false);
      }
    });
  });

  it('a single-leaf tree needs an empty path and the leaf hash as root', async () => {
    const tree = keccakTrees[0]!;
    expect(await verify(tree.leafHashes[0]!, 0, 1, [], tree.root)).toBe(true);
    expect(await verify(tree.leafHashes[0]!, 0, 1, [tree.root], tree.root)).toBe(false);
  });

  it('computes the vector header hashes, and Keccak-256 of headerBytes for the SM3 header too', async () => {
    for (const v of vectors.headers) {
      const h: BatchHeader = v.header;
      expect(toHex(encodeHeader(h))).toBe(v.headerBytes);
      const onChain = (await anchor.getFunction('headerHash')(
        h.v,
        hex0x(h.gateway),
        h.seq,
        ALG_CODE[h.alg],
        h.size,
        hex0x(h.root),
        hex0x(h.prev),
        h.closedAt,
      )) as string;
      const expected = h.alg === 'keccak256' ? v.headerHash : toHex(keccak256(encodeHeader(h)));
      expect(onChain).toBe(hex0x(expected));
    }
  });

  it('agrees with the core verifier on every position of trees of 1 to 33 leaves', async () => {
    for (let size = 1; size <= 33; size++) {
      const hashes = Array.from({ length: size }, (_, i) => keccak256(new TextEncoder().encode(`leaf ${size}/${i}`)));
      const tree = MerkleTree.fromLeafHashes('keccak256', hashes);
      const root = toHex(tree.root);
      const checks = hashes.map(async (h, i) => {
        const path = tree.proof(i);
        expect(verifyInclusion(keccak256, i, size, h, path, tree.root)).toBe(true);
        expect(await verify(toHex(h), i, size, path.map(toHex), root)).toBe(true);
        if (size > 1) expect(await verify(toHex(h), (i + 1) % size, size, path.map(toHex), root)).toBe(false);
      });
      await Promise.all(checks);
    }
  });
});
