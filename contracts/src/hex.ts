import { fromHex, type Leaf } from '@evidence/core';

/** Core hex (lowercase, no 0x) to a 0x-prefixed value of exactly `bytes` bytes, checked. */
export function to0x(hex: string, bytes: number, what: string): string {
  fromHex(hex, bytes, what);
  return `0x${hex}`;
}

/** A chain value (0x-prefixed) back to core hex. */
export function from0x(value: string): string {
  return value.toLowerCase().replace(/^0x/, '');
}

/** A leaf as the Solidity `Leaf` struct expects it. */
export function leafTuple(leaf: Leaf) {
  return {
    v: leaf.v,
    kind: leaf.kind,
    id: to0x(leaf.id, 16, 'leaf.id'),
    gateway: to0x(leaf.gateway, 32, 'leaf.gateway'),
    subject: to0x(leaf.subject, 32, 'leaf.subject'),
    ts: leaf.ts,
    commitment: to0x(leaf.commitment, 32, 'leaf.commitment'),
  };
}

/** Where a leaf is anchored, as the Solidity `InclusionProof` struct expects it. */
export interface EvidenceLocation {
  /** Batch seq of the leaf's gateway. */
  seq: number;
  index: number;
  size: number;
  /** Audit path, core hex. */
  path: string[];
}

export function proofTuple(location: EvidenceLocation) {
  return {
    seq: location.seq,
    index: location.index,
    size: location.size,
    path: location.path.map((p, i) => to0x(p, 32, `path[${i}]`)),
  };
}
