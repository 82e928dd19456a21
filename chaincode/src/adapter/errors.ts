import { EvidenceError, isEvidenceError, type ErrorCode } from '@evidence/core';
import { status as grpcStatus } from '@grpc/grpc-js';
import { StatusCode } from '@hyperledger/fabric-gateway';
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
 * *_REJECTED, as on EVM; the domain's *_UNAVAILABLE for a refused timestamp,
 * which a retry may pass); `reason` is the chaincode's own code, e.g.
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
  'ANCHOR_STALE_CHECKPOINT',
  'ANCHOR_INCONSISTENT',
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

/*
 * Failures a real Fabric 2.5 network reports that are not a "no" from the
 * chaincode, so the caller should retry (after reading the ledger to see what
 * did commit) rather than give up:
 * - the chaincode server refused the proposal's timestamp as too far from its
 *   clock (CHAINCODE_BAD_TIMESTAMP): the client's or the peer's clock is off,
 *   not the transaction; another attempt, or another peer, can succeed;
 * - validation found that a concurrent transaction changed what this one read
 *   (MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT): typically two submits of the
 *   same anchoring raced and the other one won;
 * - the peer could not reach or start the chaincode (a chaincode-as-a-service
 *   server that is down or restarting): the gateway service reports it as
 *   ABORTED with the peer's own message, the same status as a refusal.
 */
const RETRYABLE_REASONS: ReadonlySet<ChaincodeErrorCode> = new Set(['CHAINCODE_BAD_TIMESTAMP']);
const CONFLICT_STATUSES: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);
/**
 * What a peer says when the chaincode is out of reach: the launch failure
 * ("could not launch chaincode <id>: connection to <id> failed: ..."), a
 * chaincode process that went away mid-transaction ("chaincode stream
 * terminated"), or one that did not answer in time. These texts come from the
 * peer, never from the chaincode, which can only answer "CODE: message".
 */
const CHAINCODE_DOWN_RE = /could not launch chaincode|chaincode stream terminated|timeout expired while (?:starting chaincode|executing transaction)/i;

function codeFor(reason: ChaincodeErrorCode, domain: ErrorDomain): ErrorCode {
  if (RETRYABLE_REASONS.has(reason)) return domain.unavailable;
  if (CORE_CODES.includes(reason as ErrorCode)) return reason as ErrorCode;
  if (reason === 'REGISTRY_UNAUTHORIZED') return 'ANCHOR_UNAUTHORIZED';
  // The checkpoint's own ts is too far from the transaction's time: a retry of the same checkpoint
  // can never pass, a freshly signed one will (after a long outage, say).
  if (reason === 'CHECKPOINT_BAD_TIME') return 'ANCHOR_CHECKPOINT_EXPIRED';
  return domain.rejected;
}

/**
 * Maps what a Fabric call threw to an EvidenceError: a chaincode refusal keeps
 * its code (see codeFor), except a refused timestamp, which is unavailable; a
 * transaction invalidated at commit because a concurrent one changed its reads
 * (MVCC or phantom conflict) is unavailable, any other invalidation
 * (endorsement policy failure...) rejected; an unreachable peer, orderer or
 * chaincode, a timeout, or an unknown commit status is unavailable (the caller
 * may retry, after checking what did commit).
 */
export function toEvidenceError(e: unknown, domain: ErrorDomain, action: string): EvidenceError {
  if (isEvidenceError(e)) return e;
  const refusal = findRefusal(e);
  if (refusal) return new ChaincodeRefusalError(codeFor(refusal.reason, domain), refusal.reason, `${action}: ${refusal.message}`, { cause: e });
  const err = (typeof e === 'object' && e !== null ? e : { name: 'Error', message: String(e) }) as GatewayErrorShape;
  const tx = err.transactionId ? ` (transaction ${err.transactionId})` : '';
  switch (err.name) {
    case 'CommitError':
      if (typeof err.code === 'number' && CONFLICT_STATUSES.has(err.code)) {
        return new EvidenceError(
          domain.unavailable,
          `${action}: invalidated at commit${tx} by a concurrent transaction; read the ledger before retrying: ${err.message}`,
          { cause: e },
        );
      }
      return new EvidenceError(domain.rejected, `${action}: invalidated at commit${tx}: ${err.message}`, { cause: e });
    case 'CommitStatusError':
      return new EvidenceError(domain.unavailable, `${action}: commit status unknown${tx}; check the ledger before retrying: ${err.message}`, { cause: e });
    case 'SubmitError':
      return new EvidenceError(domain.unavailable, `${action}: the orderer did not accept the transaction${tx}: ${err.message}`, { cause: e });
  }
  if (typeof err.code === 'number' && Array.isArray(err.details)) {
    const detail = texts(err).filter(Boolean).join('; ');
    if (UNAVAILABLE_STATUSES.has(err.code)) return new EvidenceError(domain.unavailable, `${action}: ${detail}`, { cause: e });
    if (texts(err).some((t) => CHAINCODE_DOWN_RE.test(t))) {
      return new EvidenceError(domain.unavailable, `${action}: the peer could not run the chaincode: ${detail}`, { cause: e });
    }
    return new EvidenceError(domain.rejected, `${action}: ${detail}`, { cause: e });
  }
  return new EvidenceError(domain.unavailable, `${action}: ${err.message}`, { cause: e });
}
