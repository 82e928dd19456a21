/** Why a trust policy file was refused; stable strings for scripts and tests. */
export type TrustPolicyErrorCode =
  | 'TRUST_NOT_JSON'
  | 'TRUST_NOT_OBJECT'
  | 'TRUST_FORMAT'
  | 'TRUST_CHAIN'
  | 'TRUST_ID'
  | 'TRUST_KEY'
  | 'TRUST_KEY_RANGE'
  | 'TRUST_DUPLICATE'
  | 'TRUST_WITNESSES';

/**
 * A trust policy the verifier cannot use. It is the verifier's own input, so
 * this is never a verdict on evidence: the CLI exits 2 and the page applies
 * no policy at all rather than part of one.
 */
export class TrustPolicyError extends Error {
  override name = 'TrustPolicyError';

  constructor(
    readonly code: TrustPolicyErrorCode,
    /** The member at fault ("institutions[0].keys[1].toSeq"), empty for the whole file. */
    readonly where: string,
    message: string,
  ) {
    super(`信任策略无效 invalid trust policy${where ? ` (${where})` : ''}: ${message}`);
  }
}

export function isTrustPolicyError(e: unknown): e is TrustPolicyError {
  return e instanceof TrustPolicyError;
}
