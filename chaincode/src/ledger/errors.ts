import { isEvidenceError, type ErrorCode } from '@evidence/core';

/**
 * Refusal codes that only the chaincode raises, beside the core's ANCHOR_*,
 * EVIDENCE_*, MERKLE_*, SM2_* and BUNDLE_* codes it passes through unchanged.
 */
export const CHAINCODE_ONLY_CODES = [
  'CHAINCODE_BAD_ARGUMENT',
  'CHAINCODE_BAD_TIMESTAMP',
  'CHAINCODE_UNKNOWN_TRANSACTION',
  'CHAINCODE_INTERNAL',
  'REGISTRY_NOT_INITIALISED',
  'REGISTRY_ALREADY_INITIALISED',
  'REGISTRY_UNAUTHORIZED',
  'REGISTRY_DUPLICATE',
  'REGISTRY_UNKNOWN_NODE',
  'CONSENT_UNAUTHORIZED',
  'CONSENT_DUPLICATE',
  'CONSENT_UNKNOWN',
  'CONSENT_BAD_EVIDENCE',
  'CONSENT_EXPIRED',
  'CONSENT_REVOKED',
  'CLAIM_DUPLICATE',
  'CLAIM_NO_POLICY',
  'CLAIM_SUBJECT_MISMATCH',
  'CLAIM_NOT_ANCHORED',
  'CLAIM_BAD_PROOF',
  'CLAIM_EVIDENCE_USED',
  'CLAIM_NO_CONSENT',
  'CLAIM_MISSING_KIND',
  'CREDENTIAL_UNAUTHORIZED',
  'CREDENTIAL_DUPLICATE',
  'CREDENTIAL_UNKNOWN',
  'CREDENTIAL_BAD_ROLE',
  'CREDENTIAL_BAD_WINDOW',
  'CREDENTIAL_BAD_TRANSITION',
  // A checkpoint whose ts is further from the transaction time than the clock bound: the gateway must sign a fresh one.
  'CHECKPOINT_BAD_TIME',
  // A gateway anchors its batches one way only (as the EVM contract): one by one, or by checkpoints of its log.
  'ANCHORED_PER_BATCH',
  'ANCHORED_BY_CHECKPOINTS',
] as const;

export type ChaincodeOnlyCode = (typeof CHAINCODE_ONLY_CODES)[number];
export type ChaincodeErrorCode = ErrorCode | ChaincodeOnlyCode;

/** A refusal raised by a transaction; the shim returns it to the client as "CODE: message". */
export class ChaincodeError extends Error {
  readonly code: ChaincodeErrorCode;

  constructor(code: ChaincodeErrorCode, message: string) {
    super(message);
    this.name = 'ChaincodeError';
    this.code = code;
  }
}

export function refuse(code: ChaincodeErrorCode, message: string): never {
  throw new ChaincodeError(code, message);
}

/**
 * The text a failed transaction returns through the peer. The adapter reads the
 * leading code back (see adapter/errors.ts), so it is always "CODE: message".
 * Errors that are neither ours nor the core's are bugs: their text is kept for
 * the operator but they get the one code CHAINCODE_INTERNAL.
 */
export function wireMessage(e: unknown): string {
  if (e instanceof ChaincodeError || isEvidenceError(e)) return `${e.code}: ${e.message}`;
  return `CHAINCODE_INTERNAL: ${e instanceof Error ? e.message : String(e)}`;
}
