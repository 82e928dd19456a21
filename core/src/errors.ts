/**
 * Every failure the core reports carries a stable string code. Callers (the
 * gateway's HTTP error handler, the CLI, the verification page) switch on the
 * code, never on the message, so messages may be improved without breaking them.
 */
export type ErrorCode =
  | 'EVIDENCE_BAD_HEX'
  | 'EVIDENCE_BAD_LENGTH'
  | 'EVIDENCE_BAD_INTEGER'
  | 'EVIDENCE_BAD_VERSION'
  | 'EVIDENCE_UNKNOWN_KIND'
  | 'EVIDENCE_BAD_JSON'
  | 'EVIDENCE_BAD_ALG'
  | 'MERKLE_EMPTY_TREE'
  | 'MERKLE_INDEX_OUT_OF_RANGE'
  | 'MERKLE_BAD_PATH_LENGTH'
  | 'SM2_BAD_PRIVATE_KEY'
  | 'SM2_BAD_PUBLIC_KEY'
  | 'SM4_BAD_KEY'
  | 'SM4_AUTH_FAILED'
  | 'SM4_BAD_ENVELOPE'
  | 'SM4_KEY_ERASED'
  | 'HOP_BAD_TYPE'
  | 'BUNDLE_BAD_FORMAT'
  | 'BUNDLE_MALFORMED'
  | 'ANCHOR_UNKNOWN_GATEWAY'
  | 'ANCHOR_UNAUTHORIZED'
  | 'ANCHOR_OUT_OF_ORDER'
  | 'ANCHOR_FORK'
  | 'ANCHOR_BAD_ALG'
  | 'ANCHOR_BAD_SIGNATURE'
  | 'ANCHOR_REJECTED'
  | 'ANCHOR_UNAVAILABLE'
  | 'ANCHOR_STALE_CHECKPOINT'
  | 'ANCHOR_INCONSISTENT'
  | 'ANCHOR_CHECKPOINT_EXPIRED'
  // EVM registries beside the anchor (contracts/): a revert's custom error name is in the message.
  | 'CONSENT_REJECTED'
  | 'CLAIM_REJECTED'
  | 'CREDENTIAL_REJECTED'
  | 'CHAIN_UNAVAILABLE'
  | 'DEPLOYMENT_INVALID'
  // An insurer's claim package (evidence-claim/1) that is malformed or does not hold together.
  | 'CLAIM_PACKAGE_INVALID'
  // A verifier's witness policy (trusted witness ids and keys, quorum) that is malformed.
  | 'WITNESS_POLICY_INVALID'
  // A consistency proof document { alg, first, second, firstRoot, secondRoot, proof } that is malformed.
  | 'CONSISTENCY_PROOF_MALFORMED';

export class EvidenceError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvidenceError';
    this.code = code;
  }
}

export function isEvidenceError(e: unknown): e is EvidenceError {
  return e instanceof EvidenceError;
}
