import { EvidenceError, type ErrorCode } from '@evidence/core';
import { ErrorDescription, ErrorFragment, Interface, isError } from 'ethers';
import { CONTRACT_NAMES, contractInterface } from './artifacts.js';

/** A contract call or transaction reverted with a decodable custom error. */
export class ContractRevertError extends EvidenceError {
  /** The custom error's name, e.g. `EvidenceAnchor__OutOfOrder`, and its arguments. */
  readonly revert: { name: string; args: Record<string, unknown> };

  constructor(code: ErrorCode, revert: { name: string; args: Record<string, unknown> }, options?: { cause?: unknown }) {
    super(code, `${revert.name}(${formatArgs(revert.args)})`, options);
    this.name = 'ContractRevertError';
    this.revert = revert;
  }
}

/** Which error codes a contract's reverts and outages map to. */
export interface ErrorDomain {
  rejected: ErrorCode;
  unavailable: ErrorCode;
}

export const ANCHOR_DOMAIN: ErrorDomain = { rejected: 'ANCHOR_REJECTED', unavailable: 'ANCHOR_UNAVAILABLE' };

/** Reverts with their own code; every other revert takes the domain's `rejected`. */
const CODE_BY_REVERT: Readonly<Record<string, ErrorCode>> = {
  EvidenceAnchor__OutOfOrder: 'ANCHOR_OUT_OF_ORDER',
  EvidenceAnchor__Fork: 'ANCHOR_FORK',
  EvidenceAnchor__Unauthorized: 'ANCHOR_UNAUTHORIZED',
  EvidenceAnchor__Inactive: 'ANCHOR_UNAUTHORIZED',
  EvidenceAnchor__UnknownGateway: 'ANCHOR_UNKNOWN_GATEWAY',
  EvidenceAnchor__UnsupportedAlgorithm: 'ANCHOR_BAD_ALG',
  EvidenceAnchor__StaleCheckpoint: 'ANCHOR_STALE_CHECKPOINT',
  EvidenceAnchor__InconsistentCheckpoint: 'ANCHOR_INCONSISTENT',
};

const PREFIX_CODE: Readonly<Record<string, ErrorCode>> = {
  EvidenceAnchor__: 'ANCHOR_REJECTED',
  ConsentRegistry__: 'CONSENT_REJECTED',
  ClaimVerifier__: 'CLAIM_REJECTED',
  CredentialRegistry__: 'CREDENTIAL_REJECTED',
};

let combined: Interface | undefined;

/** One interface holding every custom error of the four contracts (and OpenZeppelin's). */
function errorsInterface(): Interface {
  if (!combined) {
    const fragments = new Map<string, ErrorFragment>();
    for (const name of CONTRACT_NAMES) {
      for (const f of contractInterface(name).fragments) {
        if (f instanceof ErrorFragment) fragments.set(f.selector, f);
      }
    }
    combined = new Interface([...fragments.values()]);
  }
  return combined;
}

/** Decodes revert data (a custom error selector and its arguments), or null. */
export function decodeRevert(data: string): ErrorDescription | null {
  try {
    return errorsInterface().parseError(data);
  } catch {
    return null;
  }
}

/**
 * Finds the revert data of a failed call in whatever shape the provider gave
 * it: ethers puts it on `data`, some nodes nest it in `error` or `info`.
 */
export function findRevertData(e: unknown, depth = 0): string | null {
  if (depth > 5 || typeof e !== 'object' || e === null) return null;
  const o = e as Record<string, unknown>;
  if (typeof o.data === 'string' && /^0x[0-9a-fA-F]{8,}$/.test(o.data)) return o.data;
  for (const key of ['data', 'error', 'info', 'cause', 'revert']) {
    const found = findRevertData(o[key], depth + 1);
    if (found) return found;
  }
  return null;
}

function isUnavailable(e: unknown): boolean {
  if (isError(e, 'NETWORK_ERROR') || isError(e, 'TIMEOUT') || isError(e, 'SERVER_ERROR')) return true;
  const text = String((e as { message?: unknown })?.message ?? e);
  return /ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|fetch failed/i.test(text);
}

/**
 * Maps anything a chain call threw to an EvidenceError: a decodable custom
 * error keeps its name (and its own code when it has one), an outage becomes
 * the domain's `unavailable` code, the rest the domain's `rejected` code.
 */
export function toEvidenceError(e: unknown, domain: ErrorDomain, action: string): EvidenceError {
  if (e instanceof EvidenceError) return e;
  const data = findRevertData(e);
  const decoded = data ? decodeRevert(data) : null;
  if (decoded) {
    const args: Record<string, unknown> = {};
    decoded.fragment.inputs.forEach((input, i) => {
      args[input.name || String(i)] = decoded.args[i];
    });
    const prefix = Object.keys(PREFIX_CODE).find((p) => decoded.name.startsWith(p));
    const code =
      CODE_BY_REVERT[decoded.name] ??
      (prefix ? PREFIX_CODE[prefix]! : decoded.name.startsWith('AccessControl') ? unauthorizedCode(domain) : domain.rejected);
    return new ContractRevertError(code, { name: decoded.name, args }, { cause: e });
  }
  if (isUnavailable(e)) {
    return new EvidenceError(domain.unavailable, `${action}: chain unreachable: ${shortMessage(e)}`, { cause: e });
  }
  return new EvidenceError(domain.rejected, `${action}: ${shortMessage(e)}`, { cause: e });
}

function unauthorizedCode(domain: ErrorDomain): ErrorCode {
  return domain.rejected === 'ANCHOR_REJECTED' ? 'ANCHOR_UNAUTHORIZED' : domain.rejected;
}

function shortMessage(e: unknown): string {
  const o = e as { shortMessage?: unknown; message?: unknown };
  return String(o?.shortMessage ?? o?.message ?? e);
}

function formatArgs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${typeof v === 'bigint' ? v.toString() : String(v)}`)
    .join(', ');
}
