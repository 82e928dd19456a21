import type { HashFn } from '../hash/alg.js';

/** RFC 9162 section 2.1.1 domain separation: 0x00 before leaves, 0x01 before nodes. */
const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

export function hashLeaf(h: HashFn, leafData: Uint8Array): Uint8Array {
  return h(LEAF_PREFIX, leafData);
}

export function hashChildren(h: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  return h(NODE_PREFIX, left, right);
}
