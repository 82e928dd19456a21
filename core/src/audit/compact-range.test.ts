import { describe, expect, it } from 'vitest';
import { toHex } from '../encoding/bytes.js';
import { hashFor } from '../hash/alg.js';
import { MerkleTree } from '../merkle/tree.js';
import { hashLeaf } from '../merkle/hashing.js';
import { inclusionRanges } from '../merkle/ranges.js';
import { CompactRange } from './compact-range.js';

const h = hashFor('sm3');
const data = Array.from({ length: 40 }, (_, i) => new Uint8Array([i, i * 7, 255 - i]));
const leaves = data.map((d) => hashLeaf(h, d));
const treeRoot = (n: number) => toHex(MerkleTree.fromLeaves('sm3', data.slice(0, n)).root);

describe('CompactRange', () => {
  it('gives the Merkle Tree Hash of every prefix, keeping one node per set bit of the size', () => {
    const range = CompactRange.empty(h);
    for (let n = 1; n <= data.length; n++) {
      range.append(leaves[n - 1]!);
      expect(toHex(range.root())).toBe(treeRoot(n));
      expect(range.hashes()).toHaveLength(n.toString(2).replaceAll('0', '').length);
    }
  });

  it('survives a round trip through its nodes, and refuses nodes that do not fit the size', () => {
    const range = CompactRange.empty(h);
    for (const leaf of leaves.slice(0, 13)) range.append(leaf);
    const copy = CompactRange.fromNodes(h, 13, range.hashes());
    copy.append(leaves[13]!);
    expect(toHex(copy.root())).toBe(treeRoot(14));
    expect(() => CompactRange.fromNodes(h, 13, range.hashes().slice(1))).toThrow(/3 nodes/);
  });

  it('is rebuilt from the inclusion proof of the last entry, checked against the root', () => {
    const tree = MerkleTree.fromLeaves('sm3', data.slice(0, 27));
    const proof = tree.proof(26);
    const range = CompactRange.fromLastEntryProof(h, 27, leaves[26]!, proof, tree.root)!;
    expect(toHex(range.root())).toBe(treeRoot(27));
    range.append(leaves[27]!);
    expect(toHex(range.root())).toBe(treeRoot(28));
    expect(inclusionRanges(26, 27)).toHaveLength(proof.length);
    expect(CompactRange.fromLastEntryProof(h, 27, leaves[25]!, proof, tree.root)).toBeNull();
    expect(CompactRange.fromLastEntryProof(h, 27, leaves[26]!, proof.slice(1), tree.root)).toBeNull();
  });
});
