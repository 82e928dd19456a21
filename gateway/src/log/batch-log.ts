import {
  completedNodes,
  consistencyRanges,
  foldNodes,
  hashChildren,
  hashFor,
  hashRanges,
  inclusionRanges,
  logLeafHash,
  toHex,
  type BatchHeader,
  type HashAlg,
  type HashFn,
} from '@evidence/core';
import type { BatchStore, LogNode, LogStore } from '../ports/store.js';

/** A perfect subtree of the log's right edge: the compact range of [0, size). */
interface EdgeNode {
  level: number;
  hash: Uint8Array;
}

/**
 * The gateway's batch log (spec section 9): entry i is batch i's header. The
 * store keeps every perfect subtree, written in the same atomic write that
 * closes the batch; this object keeps the log's right edge in memory (one
 * subtree per set bit of the size), so appending costs at most log n hashes
 * and no reads, and the current root costs no reads. Proofs at any size read
 * O(log n) subtrees and never recompute the tree.
 */
export class BatchLog {
  private readonly h: HashFn;

  private constructor(
    private readonly store: LogStore,
    readonly alg: HashAlg,
    private edge: EdgeNode[],
    private entries: number,
  ) {
    this.h = hashFor(alg);
  }

  /**
   * Opens the log of the batches closed so far. A data folder from before the
   * log existed (batches anchored one by one) gets its subtrees written once,
   * from the stored headers, before anything else runs.
   */
  static async open(store: LogStore & Pick<BatchStore, 'head' | 'getBatch'>, alg: HashAlg): Promise<BatchLog> {
    const closed = ((await store.head())?.seq ?? -1) + 1;
    const log = new BatchLog(store, alg, [], 0);
    const stored = await store.logSize();
    if (stored > 0) await log.loadEdge(stored);
    for (let seq = stored; seq < closed; seq++) {
      const batch = await store.getBatch(seq);
      if (!batch) throw new Error(`batch ${seq} is missing: the batch log cannot be rebuilt`);
      const nodes = log.nodesFor(batch.header);
      await store.backfillLog(nodes, seq + 1);
      log.appended(nodes);
    }
    return log;
  }

  get size(): number {
    return this.entries;
  }

  private following = false;

  /**
   * An instance that does not sequence follows the log another instance
   * writes to the shared store: refresh() and any request for a larger size
   * than it knows read the stored right edge again. The sequencer's own log is
   * never refreshed: it appends in memory after each durable close.
   */
  follow(on: boolean): void {
    this.following = on;
  }

  /** A follower's log catches up with the store; nothing on the sequencer. */
  async refresh(): Promise<void> {
    if (!this.following) return;
    const size = await this.store.logSize();
    if (this.following && size > this.entries) await this.loadEdge(size);
  }

  /** The subtrees that appending `header` as entry `size` completes; write them with the batch, then call appended(). */
  nodesFor(header: BatchHeader): LogNode[] {
    if (header.seq !== this.entries) throw new Error(`batch ${header.seq} cannot be log entry ${this.entries}`);
    if (header.alg !== this.alg) throw new Error(`batch ${header.seq} uses ${header.alg}, the log ${this.alg}`);
    const ids = completedNodes(header.seq);
    const out: LogNode[] = [{ id: ids[0]!, hash: logLeafHash(header) }];
    for (let i = 1; i < ids.length; i++) {
      // The left sibling of each completed parent is a perfect subtree on the right edge.
      const left = this.edge[this.edge.length - i]!;
      out.push({ id: ids[i]!, hash: hashChildren(this.h, left.hash, out[i - 1]!.hash) });
    }
    return out;
  }

  /** The nodes of nodesFor() are durable: the entry is in the log. */
  appended(nodes: LogNode[]): void {
    const top = nodes[nodes.length - 1]!;
    this.edge.splice(this.edge.length - (nodes.length - 1), nodes.length - 1, { level: top.id.level, hash: top.hash });
    this.entries += 1;
  }

  /** The log's Merkle Tree Hash at `size` (default: now), hex. */
  async root(size = this.entries): Promise<string> {
    if (size > this.entries) await this.refresh();
    this.assertSize(size);
    if (size === this.entries) return toHex(foldNodes(this.h, this.edge.map((n) => n.hash)));
    const [root] = await hashRanges(this.h, [[0, size]], this.read);
    return toHex(root!);
  }

  /** RFC 9162 inclusion proof of entry `seq` in the log of `size`, bottom first, hex. */
  async inclusionProof(seq: number, size: number): Promise<string[]> {
    if (size > this.entries) await this.refresh();
    this.assertSize(size);
    return (await hashRanges(this.h, inclusionRanges(seq, size), this.read)).map(toHex);
  }

  /** RFC 9162 consistency proof from size `first` to size `second`, hex; empty when they are equal. */
  async consistencyProof(first: number, second: number): Promise<string[]> {
    if (second > this.entries) await this.refresh();
    this.assertSize(second);
    if (first === second) return [];
    return (await hashRanges(this.h, consistencyRanges(first, second), this.read)).map(toHex);
  }

  /** The stored log leaf hash of entry `seq`, hex. */
  async leafHash(seq: number): Promise<string> {
    if (seq + 1 > this.entries) await this.refresh();
    this.assertSize(seq + 1);
    const [hash] = await this.store.logNodes([{ level: 0, index: seq }]);
    return toHex(hash!);
  }

  private readonly read = (ids: Parameters<LogStore['logNodes']>[0]) => this.store.logNodes(ids);

  private async loadEdge(size: number): Promise<void> {
    const ids = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      if (Math.floor(size / 2 ** level) % 2 === 1) {
        ids.push({ level, index: start / 2 ** level });
        start += 2 ** level;
      }
    }
    const hashes = await this.store.logNodes(ids);
    this.edge = ids.map((id, i) => ({ level: id.level, hash: hashes[i]! }));
    this.entries = size;
  }

  private assertSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 1 || size > this.entries) {
      throw new RangeError(`log size ${size} is outside 1..${this.entries}`);
    }
  }
}
