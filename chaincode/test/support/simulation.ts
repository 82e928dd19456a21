import type { Version, VersionedValue, WorldState } from './world-state.js';

/** A range query as executed, re-run at commit to detect phantoms. */
export interface RangeRead {
  startKey: string;
  endKey: string;
  /** What was read, in order; with `exhausted`, everything in the range. */
  results: { key: string; version: Version }[];
  exhausted: boolean;
}

/** What simulating a proposal produced: its read/write set and its event. */
export interface Simulation {
  reads: Map<string, Version | null>;
  ranges: RangeRead[];
  writes: Map<string, Uint8Array | null>;
  event: { name: string; payload: Uint8Array } | null;
}

/** The peer refuses keys that are empty or not valid UTF-8 (a lone surrogate). */
export function validateWriteKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new Error('key must not be an empty string');
  if (/\p{Cs}/u.test(key)) throw new Error(`key [${key}] is not valid UTF-8`);
}

/**
 * The peer's transaction simulator for one proposal: reads go to the committed
 * state (never to this transaction's own writes) and are recorded with the
 * version seen, writes are buffered, only the last event is kept.
 */
export class Simulator {
  readonly simulation: Simulation = { reads: new Map(), ranges: [], writes: new Map(), event: null };

  constructor(private readonly state: WorldState) {}

  get(key: string): Uint8Array | null {
    const entry = this.state.get(key);
    if (!this.simulation.reads.has(key)) this.simulation.reads.set(key, entry?.version ?? null);
    return entry ? entry.value : null;
  }

  /** Starts a range read; call `record` for each entry handed to the chaincode and `exhaust` at the end. */
  range(startKey: string, endKey: string): { entries: [string, VersionedValue][]; record(i: number): void; exhaust(): void } {
    const entries = this.state.range(startKey, endKey);
    const read: RangeRead = { startKey, endKey, results: [], exhausted: false };
    this.simulation.ranges.push(read);
    return {
      entries,
      record: (i) => {
        const [key, { version }] = entries[i]!;
        read.results.push({ key, version });
      },
      exhaust: () => {
        read.exhausted = true;
      },
    };
  }

  put(key: string, value: Uint8Array): void {
    validateWriteKey(key);
    this.simulation.writes.set(key, Uint8Array.from(value));
  }

  delete(key: string): void {
    validateWriteKey(key);
    this.simulation.writes.set(key, null);
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.simulation.event = { name, payload: Uint8Array.from(payload) };
  }
}
