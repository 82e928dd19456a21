/**
 * EvidenceAnchor.verifyConsistency (RFC 9162 2.1.4.2 under keccak256) and
 * logLeafHash against the independent implementation's v2 vectors, then
 * against core's MerkleTree.consistencyProof for every size pair up to 33
 * leaves, with tampered proofs, sizes and roots: every verdict equals core's
 * verifyConsistency, and a bad proof is false, never a revert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak256, logLeafHash, MerkleTree, toHex, verifyConsistency } from '@evidence/core';
import type { Contract } from 'ethers';
import { v2 } from '../../test/spec/v2-vectors.js';
import { deploySystem, hex0x, type System } from './fixture.js';



const flip = (hex: string, at = 0): string => {
  const bytes = Buffer.from(hex, 'hex');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('hex');
};

describe('EvidenceAnchor.verifyConsistency', () => {
  let system: System;
  let anchor: Contract;

  beforeAll(async () => {
    system = await deploySystem();
    anchor = system.contract('EvidenceAnchor');
  });
  afterAll(() => system.close());

  const onChain = (first: number, second: number, firstRoot: string, secondRoot: string, proof: readonly string[]) =>
    anchor.getFunction('verifyConsistency')(first, second, hex0x(firstRoot), hex0x(secondRoot), proof.map(hex0x)) as Promise<boolean>;
  const inCore = (first: number, second: number, firstRoot: string, secondRoot: string, proof: readonly string[]) =>
    verifyConsistency(
      keccak256,
      first,
      second,
      Buffer.from(firstRoot, 'hex'),
      Buffer.from(secondRoot, 'hex'),
      proof.map((p) => Buffer.from(p, 'hex')),
    );

  it('has Keccak vectors of both kinds to check', () => {
    expect(v2.consistency.filter((v) => v.alg === 'keccak256').length).toBeGreaterThanOrEqual(5);
    expect(v2.badConsistency.filter((v) => v.alg === 'keccak256').length).toBeGreaterThanOrEqual(5);
  });

  it('accepts every Keccak consistency vector', async () => {
    for (const v of v2.consistency.filter((c) => c.alg === 'keccak256')) {
      expect(await onChain(v.first, v.second, v.firstRoot, v.secondRoot, v.proof), `${v.first} -> ${v.second}`).toBe(true);
    }
  });

  it('refuses every Keccak bad-consistency vector with false', async () => {
    for (const v of v2.badConsistency.filter((c) => c.alg === 'keccak256')) {
      expect(await onChain(v.first, v.second, v.firstRoot, v.secondRoot, v.proof), v.why).toBe(false);
    }
  });

  it('refuses the SM3 vectors under keccak256', async () => {
    for (const v of [...v2.consistency, ...v2.badConsistency].filter((c) => c.alg === 'sm3')) {
      expect(await onChain(v.first, v.second, v.firstRoot, v.secondRoot, v.proof)).toBe(false);
    }
  });

  it('refuses tampered versions of every Keccak vector', async () => {
    for (const v of v2.consistency.filter((c) => c.alg === 'keccak256' && c.first < c.second)) {
      const { first, second, firstRoot, secondRoot, proof } = v;
      const cases: [string, boolean][] = [
        ['old root flipped', await onChain(first, second, flip(firstRoot), secondRoot, proof)],
        ['new root flipped', await onChain(first, second, firstRoot, flip(secondRoot, 31), proof)],
        ['proof extended', await onChain(first, second, firstRoot, secondRoot, [...proof, secondRoot])],
        ['proof truncated', await onChain(first, second, firstRoot, secondRoot, proof.slice(0, -1))],
        ['first size zero', await onChain(0, second, firstRoot, secondRoot, proof)],
        ['sizes swapped', await onChain(second, first, secondRoot, firstRoot, proof)],
        ['first + 1', await onChain(first + 1, second, firstRoot, secondRoot, proof)],
        ['second doubled', await onChain(first, second * 2, firstRoot, secondRoot, proof)],
      ];
      for (let i = 0; i < proof.length; i++) {
        cases.push([`element ${i} flipped`, await onChain(first, second, firstRoot, secondRoot, proof.map((p, j) => (j === i ? flip(p, 9) : p)))]);
      }
      for (const [why, verdict] of cases) expect(verdict, `${first} -> ${second}: ${why}`).toBe(false);
      // Like an inclusion path, a consistency proof does not always bind the new
      // size (spec section 9): for second + 1 the verdict is core's, whatever it is.
      expect(await onChain(first, second + 1, firstRoot, secondRoot, proof)).toBe(inCore(first, second + 1, firstRoot, secondRoot, proof));
    }
  });

  it('treats equal sizes as equal roots with an empty proof, and nothing else', async () => {
    const root = 'ab'.repeat(32);
    expect(await onChain(5, 5, root, root, [])).toBe(true);
    expect(await onChain(5, 5, root, flip(root), [])).toBe(false);
    expect(await onChain(5, 5, root, root, [root])).toBe(false);
    expect(await onChain(0, 0, root, root, [])).toBe(false);
    expect(await onChain(1, 1, root, root, [])).toBe(true);
  });

  it('refuses sizes near 2^256 and proofs of absurd length without reverting', async () => {
    const root = 'cd'.repeat(32);
    const max = 2n ** 256n - 1n;
    const call = anchor.getFunction('verifyConsistency');
    expect(await call(max, max, hex0x(root), hex0x(root), [])).toBe(true);
    expect(await call(max - 1n, max, hex0x(root), hex0x(root), [hex0x(root)])).toBe(false);
    expect(await call(1, max, hex0x(root), hex0x(root), Array(300).fill(hex0x(root)))).toBe(false);
    expect(await call(3, 2n ** 64n, hex0x(root), hex0x(root), Array(70).fill(hex0x(root)))).toBe(false);
  });

  it("accepts core's proofs for every size pair up to 33 leaves and agrees with core on tampered ones", async () => {
    const N = 34;
    const hashes = Array.from({ length: N }, (_, i) => keccak256(new TextEncoder().encode(`log entry ${i}`)));
    const trees = Array.from({ length: N }, (_, n) => (n === 0 ? null : MerkleTree.fromLeafHashes('keccak256', hashes.slice(0, n))));
    const checks: Promise<void>[] = [];
    for (let second = 1; second < N; second++) {
      const tree = trees[second]!;
      const secondRoot = toHex(tree.root);
      for (let first = 1; first <= second; first++) {
        const firstRoot = toHex(trees[first]!.root);
        const proof = tree.consistencyProof(first).map(toHex);
        checks.push(
          (async () => {
            expect(await onChain(first, second, firstRoot, secondRoot, proof), `${first} -> ${second}`).toBe(true);
            // Tamperings whose verdict core decides too; the two must agree (all false but by accident).
            const variants: [number, number, string, string, string[]][] = [
              [first, second, firstRoot, secondRoot, [...proof, firstRoot]],
              [first, second, firstRoot, secondRoot, proof.slice(1)],
              [first, second, firstRoot, secondRoot, proof.slice(0, -1)],
              [first, second, flip(firstRoot, 5), secondRoot, proof],
              [first, second, firstRoot, flip(secondRoot, 5), proof],
              [first - 1, second, firstRoot, secondRoot, proof],
              [first + 1, second, firstRoot, secondRoot, proof],
              [first, second + 1, firstRoot, secondRoot, proof],
              [first, second - 1, firstRoot, secondRoot, proof],
              [first, second, firstRoot, secondRoot, [...proof].reverse()],
              ...proof.map((_, i): [number, number, string, string, string[]] => [
                first,
                second,
                firstRoot,
                secondRoot,
                proof.map((p, j) => (j === i ? flip(p, 17) : p)),
              ]),
            ];
            for (const [a, b, ra, rb, pr] of variants) {
              const expected = inCore(a, b, ra, rb, pr);
              expect(await onChain(a, b, ra, rb, pr), `${a} -> ${b} (${first} -> ${second} tampered)`).toBe(expected);
            }
          })(),
        );
      }
    }
    await Promise.all(checks);
  });

  it('computes the vector log leaf hashes (keccak256 headers)', async () => {
    const keccakLeaves = v2.logLeaves.filter((l) => l.header.alg === 'keccak256');
    expect(keccakLeaves.length).toBeGreaterThan(0);
    for (const { header: h, logLeafHash: expected } of keccakLeaves) {
      const got = (await anchor.getFunction('logLeafHash')(hex0x(h.gateway), h.seq, h.size, hex0x(h.root), hex0x(h.prev), h.closedAt)) as string;
      expect(got).toBe(hex0x(expected));
      expect(toHex(logLeafHash(h))).toBe(expected);
    }
  });
});
