import { EvidenceError, isEvidenceError, type ErrorCode } from '@evidence/core';
import { status as grpcStatus } from '@grpc/grpc-js';
import { CHAINCODE_ONLY_CODES, type ChaincodeErrorCode, type ChaincodeOnlyCode } from '../ledger/errors.js';

/** Which codes a contract's refusals and outages become, as for the EVM contracts (contracts/src/errors.ts). */
export interface ErrorDomain {
  rejected: ErrorCode;
  unavailable: ErrorCode;
}

export const DOMAINS = {
  anchor: { rejected: 'ANCHOR_REJECTED', unavailable: 'ANCHOR_UNAVAILABLE' },
  registry: { rejected: 'ANCHOR_REJECTED', unavailable: 'ANCHOR_UNAVAILABLE' },
  consent: { rejected: 'CONSENT_REJECTED', unavailable: 'CHAIN_UNAVAILABLE' },
  claims: { rejected: 'CLAIM_REJECTED', unavailable: 'CHAIN_UNAVAILABLE' },
  credentials: { rejected: 'CREDENTIAL_REJECTED', unavailable: 'CHAIN_UNAVAILABLE' },
} as const satisfies Record<string, ErrorDomain>;

/**
 * A transaction the chaincode refused. `code` is the core's code (for the
 * anchor: ANCHOR_OUT_OF_ORDER and the like; for the registries the domain's
 * *_REJECTED, as on EVM); `reason` is the chaincode's own code, e.g.
 * CLAIM_NO_CONSENT, as the EVM adapter keeps the revert name.
 */
export class ChaincodeRefusalError extends EvidenceError {
  readonly reason: ChaincodeErrorCode;

  constructor(code: ErrorCode, reason: ChaincodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${reason}: ${message}`, options);
    this.name = 'ChaincodeRefusalError';
    this.reason = reason;
  }
}

// Core codes the chaincode passes through unchanged (it raises them, or the core does inside it).
const CORE_CODES: readonly ErrorCode[] = [
  'EVIDENCE_BAD_HEX',
  'EVIDENCE_BAD_LENGTH',
  'EVIDENCE_BAD_INTEGER',
  'EVIDENCE_BAD_VERSION',
  'EVIDENCE_UNKNOWN_KIND',
  'EVIDENCE_BAD_JSON',
  'EVIDENCE_BAD_ALG',
  'MERKLE_EMPTY_TREE',
  'MERKLE_INDEX_OUT_OF_RANGE',
  'MERKLE_BAD_PATH_LENGTH',
  'SM2_BAD_PUBLIC_KEY',
  'BUNDLE_BAD_FORMAT',
  'BUNDLE_MALFORMED',
  'ANCHOR_UNKNOWN_GATEWAY',
  'ANCHOR_UNAUTHORIZED',
  'ANCHOR_OUT_OF_ORDER',
  'ANCHOR_FORK',
  'ANCHOR_BAD_ALG',
  'ANCHOR_BAD_SIGNATURE',
];

const REFUSAL_RE = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+): (.*)/s;

/** gRPC statuses that mean "try again later", not "no". */
const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([
  grpcStatus.UNAVAILABLE,
  grpcStatus.DEADLINE_EXCEEDED,
  grpcStatus.CANCELLED,
  grpcStatus.RESOURCE_EXHAUSTED,
  grpcStatus.UNAUTHENTICATED,
]);

interface GatewayErrorShape {
  name: string;
  message: string;
  code?: unknown;
  details?: { address?: string; mspId?: string; message?: string }[];
  transactionId?: string;
}

function texts(e: GatewayErrorShape): string[] {
  // The chaincode's message is in the peers' details; evaluate also repeats it at the top.
  const fromDetails = Array.isArray(e.details) ? e.details.map((d) => String(d?.message ?? '')) : [];
  return [...fromDetails, String(e.message ?? '')];
}

/** The chaincode's "CODE: message" in whatever the gateway client threw, or null. */
export function findRefusal(e: unknown): { reason: ChaincodeErrorCode; message: string } | null {
  if (typeof e !== 'object' || e === null) return null;
  for (const text of texts(e as GatewayErrorShape)) {
    const m = REFUSAL_RE.exec(text);
    if (!m) continue;
    const code = m[1]!;
    if (CORE_CODES.includes(code as ErrorCode) || CHAINCODE_ONLY_CODES.includes(code as ChaincodeOnlyCode)) {
      return { reason: code as ChaincodeErrorCode, message: m[2]!.trim() };
    }
  }
  return null;
}

function codeFor(reason: ChaincodeErrorCode, domain: ErrorDomain): ErrorCode {
  if (CORE_CODES.includes(reason as ErrorCode)) return reason as ErrorCode;
  if (reason === 'REGISTRY_UNAUTHORIZED') return 'ANCHOR_UNAUTHORIZED';
  return domain.rejected;
}

/**
 * Maps what a Fabric call threw to an EvidenceError: a chaincode refusal keeps
 * its code (see codeFor); a transaction invalidated at commit (MVCC or phantom
 * conflict with a concurrent one, endorsement policy failure) is rejected; an
 * unreachable peer or orderer, a timeout, or an unknown commit status is
 * unavailable (the caller may retry, after checking what did commit).
 */
export function toEvidenceError(e: unknown, domain: ErrorDomain, action: string): EvidenceError {
  if (isEvidenceError(e)) return e;
  const refusal = findRefusal(e);
  if (refusal) return new ChaincodeRefusalError(codeFor(refusal.reason, domain), refusal.reason, `${action}: ${refusal.message}`, { cause: e });
  const err = (typeof e === 'object' && e !== null ? e : { name: 'Error', message: String(e) }) as GatewayErrorShape;
  const tx = err.transactionId ? ` (transaction ${err.transactionId})` : '';
  switch (err.name) {
    case 'CommitError':
      return new EvidenceError(domain.rejected, `${action}: invalidated at commit${tx}: ${err.message}`, { cause: e });
    case 'CommitStatusError':
      return new EvidenceError(domain.unavailable, `${action}: commit status unknown${tx}; check the ledger before retrying: ${err.message}`, { cause: e });
    case 'SubmitError':
      return new EvidenceError(domain.unavailable, `${action}: the orderer did not accept the transaction${tx}: ${err.message}`, { cause: e });
  }
  if (typeof err.code === 'number' && Array.isArray(err.details)) {
    const detail = texts(err).filter(Boolean).join('; ');
    if (UNAVAILABLE_STATUSES.has(err.code)) return new EvidenceError(domain.unavailable, `${action}: ${detail}`, { cause: e });
    return new EvidenceError(domain.rejected, `${action}: ${detail}`, { cause: e });
  }
  return new EvidenceError(domain.unavailable, `${action}: ${err.message}`, { cause: e });
}
