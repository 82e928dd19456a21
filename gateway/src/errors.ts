import { isEvidenceError, type ErrorCode as CoreErrorCode } from '@evidence/core';

/**
 * The gateway's own stable error codes. Clients switch on `code`, never on the
 * message; every code maps to exactly one HTTP status in STATUS_BY_CODE.
 */
export type GatewayErrorCode =
  | 'AUTH_MISSING'
  | 'AUTH_INVALID'
  | 'AUTH_EXPIRED'
  | 'AUTH_REPLAY'
  | 'AUTH_FORBIDDEN'
  | 'VALIDATION_FAILED'
  | 'PAYLOAD_INVALID'
  | 'BAD_JSON'
  | 'BODY_NOT_UTF8'
  | 'JSON_DUPLICATE_KEY'
  | 'JSON_NUMBER_INEXACT'
  | 'JSON_LONE_SURROGATE'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'EVIDENCE_NOT_FOUND'
  | 'BATCH_NOT_FOUND'
  | 'LOG_EMPTY'
  | 'LOG_BAD_RANGE'
  | 'SUBSCRIPTION_NOT_FOUND'
  | 'PROOF_PENDING'
  | 'PAYLOAD_ERASED'
  | 'PAYLOAD_CORRUPT'
  | 'IDEMPOTENCY_CONFLICT'
  | 'RATE_LIMITED'
  | 'SHUTTING_DOWN'
  | 'STORE_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL'
  // Courts, regulators, insurers, pharmacists (routes/verify-page, audit, claims, credentials).
  | 'VERIFIER_NOT_BUILT'
  | 'CHAIN_NOT_CONFIGURED'
  | 'EVIDENCE_WRONG_KIND'
  | 'CONSENT_NOT_ACTIVE'
  | 'CONSENT_MISMATCH'
  | 'CLAIM_SUBJECT_MISMATCH'
  | 'INSURER_SIGNATURE_INVALID'
  | 'CREDENTIAL_NOT_FOUND'
  | 'CREDENTIAL_MISMATCH'
  | 'CREDENTIAL_NOT_ACTIVE'
  | 'SIGNING_TIME_SKEW'
  // Webhooks and the HTTP parser (subscriptions/webhook-target.ts, http/error-handler.ts).
  | 'WEBHOOK_URL_REFUSED'
  | 'SUBSCRIPTION_LIMIT'
  | 'HEADERS_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  | 'BAD_REQUEST';

export type AnyErrorCode = GatewayErrorCode | CoreErrorCode;

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  /** Extra response headers, e.g. Retry-After on PROOF_PENDING. */
  readonly headers: Record<string, string>;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

const GATEWAY_STATUS: Record<GatewayErrorCode, number> = {
  AUTH_MISSING: 401,
  AUTH_INVALID: 401,
  AUTH_EXPIRED: 401,
  AUTH_REPLAY: 401,
  AUTH_FORBIDDEN: 403,
  VALIDATION_FAILED: 400,
  PAYLOAD_INVALID: 400,
  BAD_JSON: 400,
  // Input JCS cannot commit exactly as sent (evidence/exact-json.ts): refused, never altered.
  BODY_NOT_UTF8: 400,
  JSON_DUPLICATE_KEY: 400,
  JSON_NUMBER_INEXACT: 400,
  JSON_LONE_SURROGATE: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  EVIDENCE_NOT_FOUND: 404,
  BATCH_NOT_FOUND: 404,
  LOG_EMPTY: 404,
  LOG_BAD_RANGE: 400,
  SUBSCRIPTION_NOT_FOUND: 404,
  PROOF_PENDING: 409,
  PAYLOAD_ERASED: 410,
  PAYLOAD_CORRUPT: 500,
  IDEMPOTENCY_CONFLICT: 409,
  RATE_LIMITED: 429,
  WEBHOOK_URL_REFUSED: 400,
  SUBSCRIPTION_LIMIT: 409,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  BAD_REQUEST: 400,
  SHUTTING_DOWN: 503,
  STORE_FAILED: 503,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
  VERIFIER_NOT_BUILT: 503,
  CHAIN_NOT_CONFIGURED: 503,
  EVIDENCE_WRONG_KIND: 400,
  CONSENT_NOT_ACTIVE: 403,
  CONSENT_MISMATCH: 400,
  CLAIM_SUBJECT_MISMATCH: 400,
  INSURER_SIGNATURE_INVALID: 401,
  CREDENTIAL_NOT_FOUND: 404,
  CREDENTIAL_MISMATCH: 403,
  CREDENTIAL_NOT_ACTIVE: 403,
  SIGNING_TIME_SKEW: 400,
};

/** Core codes the gateway can surface; any other core code is a 500. */
const CORE_STATUS: Partial<Record<CoreErrorCode, number>> = {
  // Core codes reach HTTP when a client sends a malformed value (hex, kind...).
  EVIDENCE_BAD_HEX: 400,
  EVIDENCE_BAD_LENGTH: 400,
  EVIDENCE_BAD_INTEGER: 400,
  EVIDENCE_BAD_VERSION: 400,
  EVIDENCE_UNKNOWN_KIND: 400,
  EVIDENCE_BAD_JSON: 400,
  EVIDENCE_BAD_ALG: 400,
  MERKLE_EMPTY_TREE: 400,
  MERKLE_INDEX_OUT_OF_RANGE: 400,
  MERKLE_BAD_PATH_LENGTH: 400,
  SM2_BAD_PRIVATE_KEY: 400,
  SM2_BAD_PUBLIC_KEY: 400,
  HOP_BAD_TYPE: 400,
  BUNDLE_BAD_FORMAT: 400,
  BUNDLE_MALFORMED: 400,
  // A stored envelope that no longer opens is our fault, not the caller's.
  SM4_BAD_KEY: 500,
  SM4_AUTH_FAILED: 500,
  SM4_BAD_ENVELOPE: 500,
  SM4_KEY_ERASED: 410,
  ANCHOR_UNKNOWN_GATEWAY: 502,
  ANCHOR_UNAUTHORIZED: 502,
  ANCHOR_OUT_OF_ORDER: 502,
  ANCHOR_FORK: 502,
  ANCHOR_BAD_ALG: 502,
  ANCHOR_BAD_SIGNATURE: 502,
  ANCHOR_REJECTED: 502,
  ANCHOR_UNAVAILABLE: 503,
  // The registries refused a write (a revert names its custom error): a conflict with chain state.
  CONSENT_REJECTED: 409,
  CLAIM_REJECTED: 409,
  CREDENTIAL_REJECTED: 409,
  CHAIN_UNAVAILABLE: 503,
};

export function statusOf(code: AnyErrorCode): number {
  return (GATEWAY_STATUS as Record<string, number>)[code] ?? CORE_STATUS[code as CoreErrorCode] ?? 500;
}

/** The code and status of any thrown value; unknown errors are 500 INTERNAL. */
export function classify(e: unknown): { code: AnyErrorCode; status: number } {
  if (isGatewayError(e) || isEvidenceError(e)) return { code: e.code, status: statusOf(e.code) };
  return { code: 'INTERNAL', status: 500 };
}
