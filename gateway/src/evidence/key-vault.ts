import { concatBytes, fromHex, randomOf, sm4, toHex, utf8 } from '@evidence/core';
import { GatewayError } from '../errors.js';
import type { EvidenceStore, KeyBlock, KeyRef, NewRecord } from '../ports/store.js';
import { settleAll, type Waiter as Caller } from '../waiters.js';

const KEY = sm4.DATA_KEY_LENGTH;
const ZERO_KEY = new Uint8Array(KEY);

interface Waiting extends Caller {
  items: { record: NewRecord; dataKey: Uint8Array }[];
}

/**
 * Keeps the per-record SM4 keys. Sealing each record's key under the master
 * key on its own would cost as much as sealing its payload; instead the keys
 * of every record in one write are sealed together as one key block (SM4
 * envelope of the core, bound to the block id), written in the same atomic
 * batch as the records. Erasing a record zeroes its slot and seals the block
 * again, so its payload can never be opened afterwards.
 *
 * One write is in flight at a time. Records that arrive meanwhile wait for it
 * and then go together: under load a write carries every record prepared
 * while the previous one was on its way to disk, in one key block, instead of
 * one block and one store write per event-loop turn.
 */
export class KeyVault {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private writing = false;
  private eraseLock: Promise<void> = Promise.resolve();

  constructor(
    private readonly masterKey: Uint8Array,
    private readonly store: EvidenceStore,
    private readonly maxKeysPerBlock = 4096,
  ) {}

  /** Assigns each record its key slot and writes records and key blocks durably. */
  write(items: { record: NewRecord; dataKey: Uint8Array }[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.schedule();
    });
  }

  /** The record's data key; PAYLOAD_ERASED when its slot was zeroed. */
  async dataKey(id: string, ref: KeyRef | null): Promise<Uint8Array> {
    if (!ref) throw erased(id);
    const keys = await this.openBlock(ref.block);
    const key = keys.subarray(ref.index * KEY, (ref.index + 1) * KEY);
    if (key.length !== KEY || key.every((b) => b === 0)) throw erased(id);
    return key;
  }

  /** Erases a record's key, payload and salt; one erasure at a time (blocks are shared). */
  erase(id: string, at: number): Promise<void> {
    const run = this.eraseLock.then(async () => {
      const record = await this.store.getRecord(id);
      if (!record) throw new GatewayError('EVIDENCE_NOT_FOUND', `no evidence ${id}`);
      if (!record.keyRef) return;
      const keys = await this.openBlock(record.keyRef.block);
      keys.set(ZERO_KEY, record.keyRef.index * KEY);
      await this.store.erase(id, at, this.seal(record.keyRef.block, keys));
    });
    this.eraseLock = run.catch(() => undefined);
    return run;
  }

  /** setImmediate lets the records prepared in this event-loop turn join the same write. */
  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.waiting.length === 0) return;
    const group = this.waiting;
    this.waiting = [];
    let sealed: { records: NewRecord[]; blocks: KeyBlock[] };
    try {
      sealed = this.assignKeys(group);
    } catch (e) {
      settleAll(group, e);
      return;
    }
    this.writing = true;
    this.store.append(sealed.records, sealed.blocks).then(
      () => this.written(group, null),
      (e: unknown) => this.written(group, e),
    );
  }

  /**
   * The next write starts before this one's callers are answered: answering
   * them (one HTTP reply each) keeps the main thread busy for a while, and the
   * disk would sit idle meanwhile.
   */
  private written(group: Waiting[], error: unknown): void {
    this.writing = false;
    this.flush();
    settleAll(group, error);
  }

  /** Gives each record its slot in a key block (a new block every maxKeysPerBlock keys) and seals the blocks. */
  private assignKeys(group: Waiting[]): { records: NewRecord[]; blocks: KeyBlock[] } {
    const blocks: KeyBlock[] = [];
    const records: NewRecord[] = [];
    let id = newBlockId();
    let keys: Uint8Array[] = [];
    for (const w of group) {
      for (const { record, dataKey } of w.items) {
        if (keys.length === this.maxKeysPerBlock) {
          blocks.push(this.seal(id, concatBytes(...keys)));
          id = newBlockId();
          keys = [];
        }
        record.keyRef = { block: id, index: keys.length };
        keys.push(dataKey);
        records.push(record);
      }
    }
    if (keys.length > 0) blocks.push(this.seal(id, concatBytes(...keys)));
    return { records, blocks };
  }

  private seal(id: string, keys: Uint8Array): KeyBlock {
    return { id, sealed: sm4.seal(keys, this.masterKey, aad(id)) };
  }

  private async openBlock(id: string): Promise<Uint8Array> {
    const block = await this.store.getKeyBlock(id);
    if (!block) throw new GatewayError('STORE_FAILED', `key block ${id} is missing`);
    return sm4.open(block.sealed, this.masterKey, aad(id));
  }
}

const newBlockId = (): string => toHex(randomOf(16));
const aad = (id: string): Uint8Array => concatBytes(utf8('keyblock:'), fromHex(id, 16));
const erased = (id: string) => new GatewayError('PAYLOAD_ERASED', `the payload of ${id} was erased; only its commitment remains`);
