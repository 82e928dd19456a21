import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashFor, type HashAlg } from '../hash/alg.js';
import { checkConsistency, verifyConsistency } from './consistency.js';
import { completedNodes, consistencyRanges, foldNodes, hashRanges, inclusionRanges, rangeNodes, type NodeId } from './ranges.js';
import { MerkleTree } from './tree.js';

const ALGS: HashAlg[] = ['keccak256', 'sm3'];

function leavesOf(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(122);
    new DataView(b.buffer).setUint32(0, i * 7919 + 1);
    return b;
  });
}

describe.each(ALGS)('RFC 9162 consistency with %s', (alg) => {
  const h = hashFor(alg);
  const full = MerkleTree.fromLeaves(alg, leavesOf(70));
  const prefix = (n: number) => MerkleTree.fromLeaves(alg, leavesOf(70).slice(0, n));

  it('every pair of sizes 1 <= m <= n <= 70 proves and verifies', () => {
    for (let n = 1; n <= 70; n++) {
      const second = prefix(n);
      for (let m = 1; m <= n; m++) {
        const proof = second.consistencyProof(m);
        expect(verifyConsistency(h, m, n, prefix(m).root, second.root, proof)).toBe(true);
      }
    }
  });

  it('a changed byte, a dropped or added element, swapped roots or other sizes fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 69 }), fc.integer({ min: 1, max: 70 }), fc.nat(), (a, b, where) => {
        const m = Math.min(a, b);
        const n = Math.max(a, b) === m ? m + 1 : Math.max(a, b);
        const second = prefix(n);
        const proof = second.consistencyProof(m);
        const r1 = prefix(m).root;
        const r2 = second.root;
        expect(verifyConsistency(h, m, n, r1, r2, proof)).toBe(true);
        const flipped = proof.map((p) => p.slice());
        flipped[where % flipped.length]![where % 32]! ^= 1;
        expect(verifyConsistency(h, m, n, r1, r2, flipped)).toBe(false);
        expect(verifyConsistency(h, m, n, r1, r2, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(h, m, n, r1, r2, [...proof, r1])).toBe(false);
        expect(verifyConsistency(h, m, n, r2, r1, proof)).toBe(false);
        if (m + 1 < n) expect(verifyConsistency(h, m + 1, n, r1, r2, proof)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses m = 0, m > n, and a proof for m = n', () => {
    const r = full.root;
    expect(() => checkConsistency(h, 0, 5, r, r, [])).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
    expect(() => checkConsistency(h, 6, 5, r, r, [])).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
    expect(() => checkConsistency(h, 5, 5, r, r, [r])).toThrow(expect.objectContaining({ code: 'MERKLE_BAD_PATH_LENGTH' }));
    expect(checkConsistency(h, 5, 5, r, r, [])).toBe(true);
    expect(verifyConsistency(h, 5, 5, r, prefix(5).root, [])).toBe(false);
  });
});

describe('proof plans over stored perfect subtrees', () => {
  const alg: HashAlg = 'sm3';
  const h = hashFor(alg);

  /** A node store filled the way a log appends: each leaf's completed nodes, left siblings read back. */
  function appendAll(n: number): Map<string, Uint8Array> {
    const nodes = new Map<string, Uint8Array>();
    const key = (id: NodeId) => `${id.level}/${id.index}`;
    const tree = MerkleTree.fromLeaves(alg, leavesOf(n));
    for (let i = 0; i < n; i++) {
      for (const id of completedNodes(i)) {
        const hash =
          id.level === 0
            ? tree.leafHash(i)
            : foldNodes(h, [nodes.get(key({ level: id.level - 1, index: 2 * id.index }))!, nodes.get(key({ level: id.level - 1, index: 2 * id.index + 1 }))!]);
        nodes.set(key(id), hash);
      }
    }
    return nodes;
  }

  it('inclusion and consistency proofs and roots from stored nodes equal the in-memory tree', async () => {
    const stored = appendAll(70);
    const read = (ids: readonly NodeId[]) => Promise.resolve(ids.map((id) => stored.get(`${id.level}/${id.index}`)!));
    for (let n = 1; n <= 70; n++) {
      const tree = MerkleTree.fromLeaves(alg, leavesOf(n));
      const [root] = await hashRanges(h, [[0, n]], read);
      expect(root).toEqual(tree.root);
      for (let i = 0; i < n; i += 3) expect(await hashRanges(h, inclusionRanges(i, n), read)).toEqual(tree.proof(i));
      for (let m = 1; m <= n; m += 2) expect(await hashRanges(h, consistencyRanges(m, n), read)).toEqual(tree.consistencyProof(m));
    }
  });

  it('a range decomposes into aligned perfect subtrees; plans stay logarithmic at 2^50', () => {
    expect(rangeNodes([8, 13])).toEqual([
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    const n = 2 ** 50 - 3;
    expect(inclusionRanges(n - 1, n).length).toBeLessThanOrEqual(50);
    expect(consistencyRanges(31_536_000, n).flatMap(rangeNodes).length).toBeLessThanOrEqual(2 * 51);
    expect(() => rangeNodes([3, 7])).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
  });
});
