import { EvidenceError } from './errors.js';

/** Evidence kinds of spec section 3, by numeric code. Codes 13..255 are reserved. */
export const EVIDENCE_KINDS = {
  registration: 1,
  'followup-eligibility': 2,
  appointment: 3,
  signature: 4,
  prescription: 5,
  'record-access': 6,
  consultation: 7,
  payment: 8,
  consent: 9,
  credential: 10,
  'hop-trace': 11,
  supervision: 12,
} as const;

export type EvidenceKindName = keyof typeof EVIDENCE_KINDS;
export type EvidenceKindCode = (typeof EVIDENCE_KINDS)[EvidenceKindName];

/** The highest kind code defined: registries on chain refuse kinds above it (EvidenceKinds.sol isKnown). */
export const MAX_KIND_CODE: number = Math.max(...Object.values(EVIDENCE_KINDS));

/**
 * Every defined kind as the uint16 mask the registries on chain use (bit k =
 * kind k; EvidenceKinds.sol ALL). A test compares it with the Solidity
 * constant, so a kind added here without the contracts fails there.
 */
export const ALL_KINDS_MASK: number = Object.values(EVIDENCE_KINDS).reduce((mask: number, code) => mask | (1 << code), 0);

const NAME_BY_CODE = new Map<number, EvidenceKindName>(
  Object.entries(EVIDENCE_KINDS).map(([name, code]) => [code, name as EvidenceKindName]),
);

export function isKnownKind(code: unknown): code is EvidenceKindCode {
  return typeof code === 'number' && NAME_BY_CODE.has(code);
}

export function kindName(code: number): EvidenceKindName {
  const name = NAME_BY_CODE.get(code);
  if (!name) throw new EvidenceError('EVIDENCE_UNKNOWN_KIND', `evidence kind ${code} is not defined by format v1`);
  return name;
}

export function kindCode(name: string): EvidenceKindCode {
  const code = (EVIDENCE_KINDS as Record<string, EvidenceKindCode | undefined>)[name];
  if (code === undefined) throw new EvidenceError('EVIDENCE_UNKNOWN_KIND', `unknown evidence kind "${name}"`);
  return code;
}
