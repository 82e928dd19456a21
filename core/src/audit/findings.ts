import { FINDING_TYPES, type AuditFinding, type FindingType } from './types.js';

type Source = AuditFinding['source'];
type Severity = AuditFinding['severity'];

/** Describes a run of batches first..last once it is closed. */
export type RunMessage = (first: number, last: number) => string;

interface OpenRun {
  type: FindingType;
  source: Source;
  severity: Severity;
  first: number;
  last: number;
  message: RunMessage;
}

/**
 * The findings of one audit. A gateway that lost or never anchored a million
 * batches must not produce a million-line report: consecutive batches with
 * the same finding become one finding with `through`, and at most
 * `maxPerType` findings of a type are listed while the counts keep them all.
 */
export class Findings {
  readonly list: AuditFinding[] = [];
  readonly counts = Object.fromEntries(FINDING_TYPES.map((t) => [t, 0])) as Record<FindingType, number>;
  private errorCount = 0;
  private stateErrors = 0;
  private truncatedAny = false;
  private readonly runs = new Map<string, OpenRun>();

  constructor(private readonly maxPerType = 1000) {}

  /** Errors so far. */
  get errors(): number {
    return this.errorCount;
  }

  /** Errors about the history itself (not about a state file, after which the history is audited from the start): a verified point is saved as resumable only while this is 0. */
  get historyErrors(): number {
    return this.errorCount - this.stateErrors;
  }

  get truncated(): boolean {
    return this.truncatedAny;
  }

  add(type: FindingType, source: Source, seq: number, message: string, severity: Severity = 'error', through?: number): void {
    this.counts[type]++;
    if (severity === 'error') this.errorCount++;
    if (severity === 'error' && type === 'state-mismatch') this.stateErrors++;
    if (this.counts[type] > this.maxPerType) {
      this.truncatedAny = true;
      return;
    }
    this.list.push({ type, source, seq, ...(through !== undefined && through !== seq ? { through } : {}), severity, message });
  }

  /** Extends the open run of this type, source and severity when `seq` follows it, else closes it and opens another. */
  run(type: FindingType, source: Source, seq: number, message: RunMessage, severity: Severity = 'error'): void {
    const key = `${type}/${source}/${severity}`;
    const open = this.runs.get(key);
    if (open && open.last === seq - 1) {
      open.last = seq;
      return;
    }
    if (open) this.closeRun(key, open);
    this.runs.set(key, { type, source, severity, first: seq, last: seq, message });
  }

  /** Closes every open run; call once at the end, before reading `list`. */
  flush(): void {
    for (const [key, open] of [...this.runs]) this.closeRun(key, open);
    this.list.sort((a, b) => a.seq - b.seq);
  }

  private closeRun(key: string, open: OpenRun): void {
    this.runs.delete(key);
    this.add(open.type, open.source, open.first, open.message(open.first, open.last), open.severity, open.last);
  }
}

/** "batch 4" or "batches 4..9 (6)". */
export function batchesText(first: number, last: number): string {
  return first === last ? `batch ${first}` : `batches ${first}..${last} (${last - first + 1})`;
}

export const shortKey = (key: string): string => `${key.slice(0, 10)}…${key.slice(-6)}`;
