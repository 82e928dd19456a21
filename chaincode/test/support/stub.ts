import { createRequire } from 'node:module';
import type { ChaincodeStub, Iterators, SerializedIdentity, SplitCompositekey, Timestamp } from 'fabric-shim';
import { Simulator, type Simulation } from './simulation.js';
import type { WorldState } from './world-state.js';

// The Long class fabric-shim itself returns in getTxTimestamp().seconds.
const shimRequire = createRequire(createRequire(import.meta.url).resolve('fabric-shim'));
const Long = shimRequire('long') as { fromNumber(n: number, unsigned?: boolean): Timestamp['seconds'] };

const COMPOSITEKEY_NS = '\x00';
const MIN_UNICODE_RUNE_VALUE = '\u0000';
const MAX_UNICODE_RUNE_VALUE = '\u{10ffff}';
const EMPTY_KEY_SUBSTITUTE = '\x01';

/** What one proposal needs: who signed it, when, on which channel, with which arguments. */
export interface ProposalContext {
  channel: string;
  txId: string;
  /** Milliseconds since the epoch: the proposal header's timestamp. */
  timestamp: number;
  creator: SerializedIdentity;
  /** The endorsing peer's own MSP id (stub.getMspID()). */
  peerMspId: string;
  /** args[0] is "contract:Function", the rest the transaction's arguments. */
  args: Uint8Array[];
}

function validateCompositeKeyAttribute(attr: unknown): void {
  if (!attr || typeof attr !== 'string' || attr.length === 0) {
    throw new Error('object type or attribute not a non-zero length string');
  }
}

function validateSimpleKeys(...keys: string[]): void {
  for (const key of keys) {
    if (key && key.charAt(0) === COMPOSITEKEY_NS) {
      throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
  }
}

/**
 * An in-memory implementation of the part of fabric-shim's ChaincodeStub this
 * chaincode and fabric-contract-api's dispatch use. Semantics follow the peer's
 * transaction simulator: reads see the committed state only (never this
 * transaction's own writes), every read is recorded with the version it saw for
 * MVCC validation, range queries are recorded for phantom detection, writes are
 * buffered until the network commits them, and only the last event is kept.
 */
export class InMemoryStub {
  private readonly simulator: Simulator;
  private readonly stringArgs: string[];

  constructor(
    state: WorldState,
    private readonly proposal: ProposalContext,
  ) {
    this.simulator = new Simulator(state);
    this.stringArgs = proposal.args.map((a) => Buffer.from(a).toString('utf8'));
  }

  get simulation(): Simulation {
    return this.simulator.simulation;
  }

  /** This stub as fabric-shim's type, for ChaincodeInterface.Invoke. */
  asChaincodeStub(): ChaincodeStub {
    return this as unknown as ChaincodeStub;
  }

  getArgs(): string[] {
    return this.stringArgs;
  }

  getStringArgs(): string[] {
    return this.stringArgs;
  }

  getBufferArgs(): Buffer[] {
    return this.proposal.args.map((a) => Buffer.from(a));
  }

  getFunctionAndParameters(): { fcn: string; params: string[] } {
    const [fcn = '', ...params] = this.stringArgs;
    return { fcn, params };
  }

  getTxID(): string {
    return this.proposal.txId;
  }

  getChannelID(): string {
    return this.proposal.channel;
  }

  getCreator(): SerializedIdentity {
    return this.proposal.creator;
  }

  getMspID(): string {
    return this.proposal.peerMspId;
  }

  getTransient(): Map<string, Uint8Array> {
    return new Map();
  }

  getTxTimestamp(): Timestamp {
    const ms = this.proposal.timestamp;
    return { seconds: Long.fromNumber(Math.floor(ms / 1000), true), nanos: (ms % 1000) * 1_000_000 };
  }

  getDateTimestamp(): Date {
    return new Date(this.proposal.timestamp);
  }

  async getState(key: string): Promise<Uint8Array> {
    const value = this.simulator.get(key);
    return value ? Buffer.from(value) : Buffer.alloc(0);
  }

  async putState(key: string, value: Uint8Array | string): Promise<void> {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    if (!(bytes instanceof Uint8Array)) throw new Error('value must be a Buffer or Uint8Array');
    this.simulator.put(key, bytes);
  }

  async deleteState(key: string): Promise<void> {
    this.simulator.delete(key);
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '') throw new Error('Event name must be a non-empty string');
    this.simulator.setEvent(name, payload);
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    validateCompositeKeyAttribute(objectType);
    if (!Array.isArray(attributes)) throw new Error('attributes must be an array');
    let compositeKey = COMPOSITEKEY_NS + objectType + MIN_UNICODE_RUNE_VALUE;
    for (const attribute of attributes) {
      validateCompositeKeyAttribute(attribute);
      compositeKey = compositeKey + attribute + MIN_UNICODE_RUNE_VALUE;
    }
    return compositeKey;
  }

  splitCompositeKey(compositeKey: string): SplitCompositekey {
    const result: SplitCompositekey = { objectType: null as unknown as string, attributes: [] };
    if (compositeKey && compositeKey.length > 1 && compositeKey.charAt(0) === COMPOSITEKEY_NS) {
      const splitKey = compositeKey.substring(1).split(MIN_UNICODE_RUNE_VALUE);
      result.objectType = splitKey[0]!;
      splitKey.pop();
      if (splitKey.length > 1) {
        splitKey.shift();
        result.attributes = splitKey;
      }
    }
    return result;
  }

  getStateByRange(startKey: string, endKey: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const start = startKey || EMPTY_KEY_SUBSTITUTE;
    try {
      validateSimpleKeys(start, endKey);
    } catch (e) {
      return asyncIterable(Promise.reject(e as Error));
    }
    return asyncIterable(Promise.resolve(this.rangeIterator(start, endKey)));
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const partialCompositeKey = this.createCompositeKey(objectType, attributes); // throws synchronously, as fabric-shim does
    return asyncIterable(Promise.resolve(this.rangeIterator(partialCompositeKey, partialCompositeKey + MAX_UNICODE_RUNE_VALUE)));
  }

  private rangeIterator(startKey: string, endKey: string): Iterators.StateQueryIterator {
    const { entries, record, exhaust } = this.simulator.range(startKey, endKey);
    let at = 0;
    let closed = false;
    return {
      next: async () => {
        if (closed) throw new Error('the iterator is closed');
        const entry = entries[at];
        if (!entry) {
          exhaust();
          return { done: true } as Iterators.NextResult<Iterators.KV>;
        }
        record(at++); // the peer records what was actually read
        const [key, { value }] = entry;
        return { value: { namespace: '', key, value: Buffer.from(value) }, done: false };
      },
      close: async () => {
        closed = true;
      },
    };
  }
}

/** fabric-shim's convertToAsyncIterator: the promise of an iterator that is also `for await`-able and closes itself. */
function asyncIterable(
  promise: Promise<Iterators.StateQueryIterator>,
): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
  const p = promise as Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV>;
  p[Symbol.asyncIterator] = () => {
    let iterator: Iterators.StateQueryIterator | undefined;
    return {
      next: async () => {
        iterator ??= await promise;
        const next = await iterator.next();
        if (next.done) await iterator.close();
        return next as IteratorResult<Iterators.KV>;
      },
      return: async () => {
        await iterator?.close();
        return { done: true, value: undefined };
      },
    };
  };
  return p;
}
