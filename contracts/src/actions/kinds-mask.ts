import { ALL_KINDS_MASK, EvidenceError, isKnownKind, kindCode, MAX_KIND_CODE } from '@evidence/core';

/** Every defined kind (EvidenceKinds.sol ALL), from core's list of kinds. */
export const ALL_KINDS = ALL_KINDS_MASK;

/** Evidence kinds (names or codes) as the contracts' uint16 mask: bit k = kind k. */
export function kindsMask(kinds: readonly (string | number)[]): number {
  let mask = 0;
  for (const kind of kinds) {
    const code = typeof kind === 'number' ? kind : kindCode(kind);
    if (!isKnownKind(code)) throw new EvidenceError('EVIDENCE_UNKNOWN_KIND', `unknown evidence kind ${String(kind)}`);
    mask |= 1 << code;
  }
  return mask;
}

/** The kind codes of a mask, ascending. */
export function kindsOf(mask: number): number[] {
  const kinds: number[] = [];
  for (let k = 1; k <= MAX_KIND_CODE; k++) if (mask & (1 << k)) kinds.push(k);
  return kinds;
}
