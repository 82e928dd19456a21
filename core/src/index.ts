// @evidence/core: the pure implementation of evidence proof format v1.
// Imports no server, chain, database or queue.
export * from './errors.js';
export { toHex, fromHex, concatBytes, equalBytes, utf8, ZERO32 } from './encoding/bytes.js';
export { jcs, jcsString } from './encoding/jcs.js';
export { sm3, sm3Hex } from './hash/sm3.js';
export { sm3Wasm } from './hash/sm3-wasm.js';
export { keccak256 } from './hash/keccak.js';
export { ALG_CODE, algFromCode, assertHashAlg, hashFor, type HashAlg, type HashFn } from './hash/alg.js';
export * from './sm2/sm2.js';
export * as sm4 from './sm4/index.js';
export * as envelope from './envelope/index.js';
export * from './kinds.js';
export * from './credentials.js';
export * from './workers/index.js';
export * from './ids.js';
export { randomFill, randomOf } from './random.js';
export * from './leaf.js';
export { hashLeaf, hashChildren } from './merkle/hashing.js';
export { MerkleTree } from './merkle/tree.js';
export { rootFromInclusionProof, verifyInclusion, decomposeInclusionProof } from './merkle/verify.js';
export { checkConsistency, verifyConsistency } from './merkle/consistency.js';
export {
  completedNodes,
  consistencyRanges,
  foldNodes,
  hashRanges,
  inclusionRanges,
  rangeNodes,
  splitPoint,
  type LeafRange,
  type NodeId,
  type ReadNodes,
} from './merkle/ranges.js';
export * from './log/index.js';
export * from './batch/header.js';
export * from './hop/hop.js';
export * from './hop/trace.js';
export * from './bundle/types.js';
export { parseBundle } from './bundle/parse.js';
export { verifyBundle } from './bundle/verify.js';
export { checkAnchor, type AnchorCheck } from './bundle/online.js';
export type { VerifyOptions } from './bundle/verify.js';
export { parseWitnessPolicy, tallyWitnesses, type TrustedWitness, type WitnessPolicy, type WitnessTally } from './bundle/policy.js';
export { checkConsistencyProof, parseConsistencyProof, type ConsistencyProofJson, type ConsistencyVerdict } from './bundle/consistency.js';
export { beijingTime } from './bundle/time.js';
export { logFacts, type LogFacts } from './bundle/facts.js';
export * from './trust/index.js';
export type { Anchor, AnchoredBatch, AnchoredCheckpoint } from './ports/anchor.js';
export * from './audit/index.js';
