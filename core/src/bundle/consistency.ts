import { fromHex } from '../encoding/bytes.js';
import { EvidenceError, isEvidenceError } from '../errors.js';
import { hashFor, type HashAlg } from '../hash/alg.js';
import { checkConsistency } from '../merkle/consistency.js';
import { algAt, hexAt, isObject, memberOf, uintAt } from './fields.js';

/**
 * A consistency proof as JSON, the shape of the v2 vectors' consistency
 * entries and of a gateway's GET /v1/log/consistency?first=M&second=N answer:
 * the log of size `second` with `secondRoot` extends the log of size `first`
 * with `firstRoot` (spec section 9, RFC 9162 section 2.1.4).
 */
export interface ConsistencyProofJson {
  alg: HashAlg;
  first: number;
  second: number;
  firstRoot: string;
  secondRoot: string;
  proof: string[];
}

/** A consistency proof of a 64-bit log has at most 2 * 64 hashes. */
const MAX_PROOF_LENGTH = 128;

/**
 * Checks the shape of a consistency proof document (from a file or a gateway,
 * so untrusted): `alg`, sizes as integers within 2^53 - 1, roots and proof
 * hashes as 32 bytes of lowercase hex. Whether the sizes make sense and the
 * proof holds is checkConsistencyProof's. Throws CONSISTENCY_PROOF_MALFORMED.
 */
export function parseConsistencyProof(input: unknown): ConsistencyProofJson {
  try {
    if (!isObject(input)) throw new EvidenceError('CONSISTENCY_PROOF_MALFORMED', 'a consistency proof is a JSON object { alg, first, second, firstRoot, secondRoot, proof }');
    const fields = {
      alg: algAt(input, 'alg', 'alg'),
      first: uintAt(input, 'first', 'first'),
      second: uintAt(input, 'second', 'second'),
      firstRoot: hexAt(input, 'firstRoot', 32, 'firstRoot'),
      secondRoot: hexAt(input, 'secondRoot', 32, 'secondRoot'),
    };
    const proof = memberOf(input, 'proof', 'proof');
    if (!Array.isArray(proof)) throw new EvidenceError('CONSISTENCY_PROOF_MALFORMED', 'proof must be an array of hex strings');
    // Bounded before any element is decoded: the document may come from a hostile gateway.
    if (proof.length > MAX_PROOF_LENGTH) throw new EvidenceError('CONSISTENCY_PROOF_MALFORMED', `proof has ${proof.length} hashes, more than any 64-bit log needs`);
    proof.forEach((p, i) => fromHex(p, 32, `proof[${i}]`));
    return { ...fields, proof: proof as string[] };
  } catch (e) {
    if (isEvidenceError(e) && e.code !== 'CONSISTENCY_PROOF_MALFORMED') throw new EvidenceError('CONSISTENCY_PROOF_MALFORMED', e.message, { cause: e });
    throw e;
  }
}

export type ConsistencyVerdict = { consistent: true; message: string } | { consistent: false; reason: 'rewritten' | 'refused' | 'inconsistent'; message: string };

/**
 * Verifies a parsed consistency proof. With `pinnedFirstRoot`, the root of
 * size `first` that a monitor saw earlier: a different firstRoot means the
 * log's owner now presents another history for that size (reason
 * 'rewritten'). Sizes RFC 9162 does not allow (first = 0, first > second, a
 * non-empty proof for equal sizes) are 'refused'; a proof that does not hold
 * is 'inconsistent'.
 */
export function checkConsistencyProof(doc: ConsistencyProofJson, pinnedFirstRoot?: string): ConsistencyVerdict {
  const { alg, first, second } = doc;
  if (pinnedFirstRoot !== undefined && doc.firstRoot !== pinnedFirstRoot) {
    return {
      consistent: false,
      reason: 'rewritten',
      message: `the root of size ${first} is now ${doc.firstRoot}, not ${pinnedFirstRoot} as seen before: the log was rewritten`,
    };
  }
  let holds: boolean;
  try {
    holds = checkConsistency(hashFor(alg), first, second, fromHex(doc.firstRoot, 32), fromHex(doc.secondRoot, 32), doc.proof.map((p) => fromHex(p, 32)));
  } catch (e) {
    if (!isEvidenceError(e)) throw e;
    return { consistent: false, reason: 'refused', message: `refused: ${e.message}` };
  }
  if (!holds) {
    return { consistent: false, reason: 'inconsistent', message: `the proof does not show that the log of size ${second} extends the log of size ${first} (${alg})` };
  }
  return { consistent: true, message: `the log of size ${second} extends the log of size ${first} without changing it (${alg})` };
}
