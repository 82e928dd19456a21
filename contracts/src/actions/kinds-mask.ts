import { EvidenceError, isKnownKind, kindCode } from '@evidence/core';

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
  for (let k = 1; k <= 12; k++) if (mask & (1 << k)) kinds.push(k);
  return kinds;
}
