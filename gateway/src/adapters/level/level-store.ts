import { ClassicLevel } from 'classic-level';
import type { AnchorRef, NodeId } from '@evidence/core';
import {
  IdempotencyKeyTaken,
  type BatchRecord,
  type CheckpointRecord,
  type EvidenceRecord,
  type GatewayStore,
  type IdempotencyEntry,
  type KeyBlock,
  type LeafLocation,
  type LogNode,
  type NewRecord,
  type NonceEntry,
  type PendingLeaf,
  type Subscription,
} from '../../ports/store.js';
import {
  decodeBatch,
  decodeLocation,
  decodePending,
  decodePendingGroup,
  decodeRecord,
  encodeBatch,
  encodeLocation,
  encodePendingGroup,
  encodeRecord,
  seqKey,
} from './codec.js';
import { GroupCommit, type LevelOp } from './group-commit.js';

/**
 * Key layout (one LevelDB, prefixes keep each index in its own key range):
 *   r!<id>            record                       p!<id>      pending group: the leaves of one append
 *                                                  q!<id>      pending leaf (written by earlier versions)
 *   k!<block>         sealed key block
 *   i!<client>\0<key> idempotency {id, digest}     x!<id>      location (seq || index)
 *   b!<seq>           batch                        u!<seq>     batch not yet anchored
 *   m!head            last closed {seq, hash}      m!anchored  contiguous anchored head
 *   l!<level><index>  batch log perfect subtree    m!log       log entries with subtrees stored
 *   c!<size>          signed checkpoint            a!<size>    anchored checkpoint (marker)
 *   s!<id>            subscription                 n!<expiry>!<key>  nonce seen, by expiry
 *                                                  N!<key>     nonce seen: its expiry, by key
 * seq, size, expiry and node index are 16 hex digits (level 2) so lexicographic order is numeric order.
 * Every write goes through one GroupCommit, synced, in submission order.
 */
export class LevelStore implements GatewayStore {
  private readonly commit: GroupCommit;
  /**
   * Pending leaves are written one entry per append (p!<first id>), not one per
   * record: a group entry goes when the last of its records is batched. These
   * maps say which group a pending record is in and how many of each remain.
   */
  private readonly groupOf = new Map<string, string>();
  private readonly groupLeft = new Map<string, number>();
  /** Nonce keys being claimed now. */
  private readonly claiming = new Set<string>();

  private constructor(private readonly db: ClassicLevel<string, Uint8Array>) {
    this.commit = new GroupCommit(db);
  }

  static async open(path: string): Promise<LevelStore> {
    const db = new ClassicLevel<string, Uint8Array>(path, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      // Most bytes written are SM4 ciphertext, which Snappy cannot shrink: trying costs CPU on every flush and compaction.
      compression: false,
      // A larger memtable flushes (and compacts) less often under bulk intake; LevelDB's default is 4 MiB.
      writeBufferSize: 32 * 1024 * 1024,
      // Every write mixes key prefixes (records, key blocks, pending groups, locations), so each table
      // spans most of the key space and compactions keep merging across levels. With tables of 8 MiB
      // instead of LevelDB's 2 MiB, LevelDB's compaction thread used about 40 % less CPU under bulk
      // intake into a store already holding a few hundred thousand records.
      maxFileSize: 8 * 1024 * 1024,
    });
    await db.open();
    return new LevelStore(db);
  }

  get stats(): { writes: number; operations: number } {
    return { writes: this.commit.writes, operations: this.commit.operations };
  }

  async close(): Promise<void> {
    await this.commit.drain();
    await this.db.close();
  }

  // --- evidence -------------------------------------------------------------

  async append(records: NewRecord[], blocks: KeyBlock[]): Promise<void> {
    // One process writes this folder and the evidence service holds each key while its request writes,
    // so a key can only be stored already by an earlier request: checked here, not raced.
    const taken: { client: string; key: string }[] = [];
    for (const r of records) {
      if (r.idempotencyKey !== undefined && (await this.db.get(idemKey(r.client, r.idempotencyKey))) !== undefined) taken.push({ client: r.client, key: r.idempotencyKey });
    }
    if (taken.length > 0) throw new IdempotencyKeyTaken(taken);
    const ops: LevelOp[] = blocks.map((b) => ({ type: 'put', key: `k!${b.id}`, value: b.sealed }));
    for (const r of records) {
      ops.push({ type: 'put', key: `r!${r.id}`, value: encodeRecord(r) });
      if (r.idempotencyKey !== undefined) {
        // The digest travels in the value so a reused key with other content is detected.
        ops.push({ type: 'put', key: idemKey(r.client, r.idempotencyKey), value: json({ id: r.id, digest: r.idempotencyDigest ?? '' }) });
      }
    }
    const group = records[0]?.id;
    if (group !== undefined) ops.push({ type: 'put', key: `p!${group}`, value: encodePendingGroup(records) });
    await this.commit.write(ops);
    if (group === undefined) return;
    for (const r of records) this.groupOf.set(r.id, group);
    this.groupLeft.set(group, records.length);
  }

  async getRecord(id: string): Promise<EvidenceRecord | null> {
    const v = await this.db.get(`r!${id}`);
    return v === undefined ? null : decodeRecord(id, v);
  }

  async findIdempotent(client: string, key: string): Promise<IdempotencyEntry | null> {
    const v = await this.db.get(idemKey(client, key));
    return v === undefined ? null : parse<IdempotencyEntry>(v);
  }

  async location(id: string): Promise<LeafLocation | null> {
    const v = await this.db.get(`x!${id}`);
    return v === undefined ? null : decodeLocation(v);
  }

  async pending(): Promise<PendingLeaf[]> {
    const out: PendingLeaf[] = [];
    for await (const [key, value] of this.db.iterator({ gt: 'q!', lt: 'q"' })) {
      out.push({ id: key.slice(2), ...decodePending(value) });
    }
    const emptied: LevelOp[] = [];
    for await (const [key, value] of this.db.iterator({ gt: 'p!', lt: 'p"' })) {
      const group = key.slice(2);
      let left = 0;
      for (const p of decodePendingGroup(value)) {
        // Records of the group that a batch already took have a location.
        if ((await this.db.get(`x!${p.id}`)) !== undefined) continue;
        out.push(p);
        this.groupOf.set(p.id, group);
        left++;
      }
      if (left > 0) this.groupLeft.set(group, left);
      else emptied.push({ type: 'del', key });
    }
    if (emptied.length > 0) await this.commit.write(emptied);
    // Keys are ids (UUIDv7, time-ordered); arrival order is receivedAt, ties by id.
    return out.sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
  }

  async getKeyBlock(id: string): Promise<KeyBlock | null> {
    const sealed = await this.db.get(`k!${id}`);
    return sealed === undefined ? null : { id, sealed: new Uint8Array(sealed.buffer, sealed.byteOffset, sealed.byteLength) };
  }

  /**
   * LevelDB keeps overwritten values in its log and tables until compaction:
   * the record's ciphertext and salt and the key block's previous seal (which
   * the master key opens) would stay in live files. So the erasure compacts the
   * keys it rewrote (compactRange flushes the memtable into a new log, deletes
   * the old log, and merges every level of the range, dropping older versions)
   * before it resolves. A read that began before the write holds a snapshot that
   * can keep an old version through one pass; the second pass drops it and
   * deletes the tables left obsolete.
   */
  async erase(id: string, at: number, block: KeyBlock): Promise<void> {
    const record = await this.getRecord(id);
    if (!record) throw new Error(`record ${id} is not stored`);
    const erased: EvidenceRecord = { ...record, sealedPayload: null, keyRef: null, salt: null, erasedAt: record.erasedAt ?? at };
    const ops: LevelOp[] = [
      { type: 'put', key: `r!${id}`, value: encodeRecord(erased) },
      { type: 'put', key: `k!${block.id}`, value: block.sealed },
    ];
    const rewritten = [`r!${id}`, `k!${block.id}`];
    if (record.idempotencyKey !== undefined) {
      // The digest is SM3 of the content without a salt: a low-entropy payload could be found from it.
      const key = idemKey(record.client, record.idempotencyKey);
      ops.push({ type: 'put', key, value: json({ id, digest: ERASED_DIGEST }) });
      rewritten.push(key);
    }
    await this.commit.write(ops);
    for (let pass = 0; pass < 2; pass++) {
      for (const key of rewritten) await this.db.compactRange(key, key + '\u0000');
    }
  }

  // --- batches --------------------------------------------------------------

  async closeBatch(batch: BatchRecord, ids: string[], logNodes: LogNode[]): Promise<void> {
    const seq = batch.header.seq;
    const ops: LevelOp[] = [
      { type: 'put', key: `b!${seqKey(seq)}`, value: encodeBatch(batch) },
      { type: 'put', key: `u!${seqKey(seq)}`, value: new Uint8Array(0) },
      { type: 'put', key: 'm!head', value: json({ seq, headerHash: batch.headerHash }) },
      ...nodeOps(logNodes),
      { type: 'put', key: 'm!log', value: json(seq + 1) },
    ];
    // How many records each touched group keeps pending after this batch; applied once it is written.
    const left = new Map<string, number>();
    ids.forEach((id, index) => {
      ops.push({ type: 'put', key: `x!${id}`, value: encodeLocation(seq, index) });
      const group = this.groupOf.get(id);
      if (group === undefined) return void ops.push({ type: 'del', key: `q!${id}` });
      left.set(group, (left.get(group) ?? this.groupLeft.get(group) ?? 0) - 1);
    });
    for (const [group, n] of left) if (n <= 0) ops.push({ type: 'del', key: `p!${group}` });
    await this.commit.write(ops);
    for (const id of ids) this.groupOf.delete(id);
    for (const [group, n] of left) {
      if (n <= 0) this.groupLeft.delete(group);
      else this.groupLeft.set(group, n);
    }
  }

  async head(): Promise<{ seq: number; headerHash: string } | null> {
    const v = await this.db.get('m!head');
    return v === undefined ? null : parse<{ seq: number; headerHash: string }>(v);
  }

  async getBatch(seq: number): Promise<BatchRecord | null> {
    const v = await this.db.get(`b!${seqKey(seq)}`);
    return v === undefined ? null : decodeBatch(v);
  }

  async unanchored(): Promise<number[]> {
    const out: number[] = [];
    for await (const key of this.db.keys({ gt: 'u!', lt: 'u"' })) out.push(parseInt(key.slice(2), 16));
    return out;
  }

  async anchoredHead(): Promise<number> {
    const v = await this.db.get('m!anchored');
    return v === undefined ? -1 : parse<number>(v);
  }

  // --- batch log and checkpoints ------------------------------------------

  async logNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    if (ids.length === 0) return [];
    const values = await this.db.getMany(ids.map(nodeKey));
    return values.map((v, i) => {
      if (v === undefined) throw new Error(`batch log node ${ids[i]!.level}/${ids[i]!.index} is missing from the store`);
      return v;
    });
  }

  async logSize(): Promise<number> {
    const v = await this.db.get('m!log');
    return v === undefined ? 0 : parse<number>(v);
  }

  backfillLog(nodes: LogNode[], size: number): Promise<void> {
    return this.commit.write([...nodeOps(nodes), { type: 'put', key: 'm!log', value: json(size) }]);
  }

  putCheckpoint(record: CheckpointRecord): Promise<void> {
    const size = record.checkpoint.size;
    const ops: LevelOp[] = [{ type: 'put', key: `c!${seqKey(size)}`, value: json(record) }];
    if (record.anchoredAt !== null) ops.push({ type: 'put', key: `a!${seqKey(size)}`, value: new Uint8Array(0) });
    return this.commit.write(ops);
  }

  async latestCheckpoint(): Promise<CheckpointRecord | null> {
    for await (const value of this.db.values({ gt: 'c!', lt: 'c"', reverse: true, limit: 1 })) return parse<CheckpointRecord>(value);
    return null;
  }

  async checkpointAt(size: number): Promise<CheckpointRecord | null> {
    const v = await this.db.get(`c!${seqKey(size)}`);
    return v === undefined ? null : parse<CheckpointRecord>(v);
  }

  async markCheckpointAnchored(size: number, anchor: AnchorRef | null, at: number): Promise<void> {
    const record = await this.checkpointAt(size);
    if (!record) throw new Error(`checkpoint of size ${size} is not stored`);
    const anchored: CheckpointRecord = { ...record, anchor: anchor ?? record.anchor, anchoredAt: record.anchoredAt ?? at };
    const ops: LevelOp[] = [
      { type: 'put', key: `c!${seqKey(size)}`, value: json(anchored) },
      { type: 'put', key: `a!${seqKey(size)}`, value: new Uint8Array(0) },
    ];
    // Every batch below the size is anchored now; none is anchored on its own any more.
    for await (const key of this.db.keys({ gt: 'u!', lt: `u!${seqKey(size)}` })) ops.push({ type: 'del', key });
    if ((await this.anchoredHead()) < size - 1) ops.push({ type: 'put', key: 'm!anchored', value: json(size - 1) });
    await this.commit.write(ops);
  }

  async lastAnchoredCheckpoint(): Promise<CheckpointRecord | null> {
    for await (const key of this.db.keys({ gt: 'a!', lt: 'a"', reverse: true, limit: 1 })) return this.checkpointAt(parseInt(key.slice(2), 16));
    return null;
  }

  async anchoredCheckpointCovering(seq: number): Promise<CheckpointRecord | null> {
    for await (const key of this.db.keys({ gt: `a!${seqKey(seq)}`, lt: 'a"', limit: 1 })) return this.checkpointAt(parseInt(key.slice(2), 16));
    return null;
  }

  async anchoredCheckpoints(afterSize: number, limit: number): Promise<CheckpointRecord[]> {
    const out: CheckpointRecord[] = [];
    for await (const key of this.db.keys({ gt: `a!${seqKey(afterSize)}`, lt: 'a"', limit })) {
      const record = await this.checkpointAt(parseInt(key.slice(2), 16));
      if (record) out.push(record);
    }
    return out;
  }

  // --- subscriptions ------------------------------------------------------

  putSubscription(s: Subscription): Promise<void> {
    return this.commit.write([{ type: 'put', key: `s!${s.id}`, value: json(s) }]);
  }

  async listSubscriptions(): Promise<Subscription[]> {
    const out: Subscription[] = [];
    for await (const value of this.db.values({ gt: 's!', lt: 's"' })) out.push(parse<Subscription>(value));
    return out;
  }

  async deleteSubscription(id: string): Promise<boolean> {
    if ((await this.db.get(`s!${id}`)) === undefined) return false;
    await this.commit.write([{ type: 'del', key: `s!${id}` }]);
    return true;
  }

  // --- nonces -------------------------------------------------------------

  putNonces(entries: NonceEntry[]): Promise<void> {
    return this.commit.write(
      entries.map((n) => ({ type: 'put', key: `n!${seqKey(n.expiresAt)}!${n.key}`, value: new Uint8Array(0) }) as LevelOp),
    );
  }

  async claimNonce(entry: NonceEntry, now: number): Promise<boolean> {
    // Claims of one key in this process are serialised here; no other process writes the folder.
    if (this.claiming.has(entry.key)) return false;
    this.claiming.add(entry.key);
    try {
      const seen = await this.db.get(`N!${entry.key}`);
      const expiresAt = seen === undefined ? null : parse<number>(seen);
      if (expiresAt !== null && expiresAt > now) return false;
      const ops: LevelOp[] = [
        { type: 'put', key: `N!${entry.key}`, value: json(entry.expiresAt) },
        { type: 'put', key: `n!${seqKey(entry.expiresAt)}!${entry.key}`, value: new Uint8Array(0) },
      ];
      if (expiresAt !== null) ops.push({ type: 'del', key: `n!${seqKey(expiresAt)}!${entry.key}` });
      await this.commit.write(ops);
      return true;
    } finally {
      this.claiming.delete(entry.key);
    }
  }

  async liveNonces(now: number): Promise<NonceEntry[]> {
    const cutoff = `n!${seqKey(now)}`;
    const expired: LevelOp[] = [];
    for await (const key of this.db.keys({ gt: 'n!', lt: cutoff })) {
      expired.push({ type: 'del', key });
      expired.push({ type: 'del', key: `N!${key.slice(key.indexOf('!', 2) + 1)}` });
    }
    if (expired.length > 0) await this.commit.write(expired);
    const out: NonceEntry[] = [];
    for await (const key of this.db.keys({ gte: cutoff, lt: 'n"' })) {
      const bang = key.indexOf('!', 2);
      out.push({ expiresAt: parseInt(key.slice(2, bang), 16), key: key.slice(bang + 1) });
    }
    return out;
  }
}

const nodeKey = (id: NodeId): string => `l!${id.level.toString(16).padStart(2, '0')}${seqKey(id.index)}`;
const nodeOps = (nodes: LogNode[]): LevelOp[] => nodes.map((n) => ({ type: 'put', key: nodeKey(n.id), value: n.hash }));
/** What an erased record's idempotency entry keeps instead of its content digest: a retry with the key is a conflict. */
export const ERASED_DIGEST = 'erased';
const idemKey = (client: string, key: string): string => `i!${client}\u0000${key}`;
const json = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), 'utf8');
const parse = <T>(v: Uint8Array): T => JSON.parse(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8')) as T;
