import { EVIDENCE_KINDS, type EvidenceKindName } from '@evidence/core';
import { EXAMPLE_PAYLOADS, type RecordInput } from '@evidence/gateway';

const KINDS = Object.keys(EVIDENCE_KINDS) as EvidenceKindName[];

/** Event i of a mixed feed: every kind in turn, distinct patients and payloads. */
export function mixedEvent(i: number, tag = 'e2e'): RecordInput {
  const kind = KINDS[i % KINDS.length]!;
  const base = EXAMPLE_PAYLOADS[kind] as Record<string, unknown>;
  // hop-trace payloads have no ext field; vary their request id instead.
  const payload =
    kind === 'hop-trace'
      ? { ...base, requestId: i.toString(16).padStart(32, '0') }
      : kind === 'record-access'
        ? { ...base, id: `${tag}-${i}` }
        : { ...base, ext: { tag, n: i } };
  return { kind, subject: { idNumber: `33010219800101${String(i % 10_000).padStart(4, '0')}` }, payload, occurredAt: 1_763_800_000_000 + i };
}
