import type { AnchorRef, BatchHeader, Checkpoint, Cosignature, NodeId } from '@evidence/core';

/** One evidence record as the gateway keeps it. Binary fields are raw bytes. */
export interface EvidenceRecord {
  /** 16-byte UUIDv7, hex. */
  id: string;
  /** The 122 leaf bytes of spec section 4. */
  leaf: Uint8Array;
  /** JCS(payload) encrypted under the per-record key (core sm4.encryptPayload; earlier records: an SM4 envelope); null once erased. */
  sealedPayload: Uint8Array | null;
  /** Where the per-record SM4 key is kept: its key block and slot; null once erased. */
  keyRef: KeyRef | null;
  /** The 32-byte commitment salt; null once erased. */
  salt: Uint8Array | null;
  /** The client that recorded it. */
  client: string;
  /** When the gateway acknowledged it (ms). */
  receivedAt: number;
  idempotencyKey?: string;
  erasedAt?: number;
}

export interface KeyRef {
  /** Key block id, hex (16 bytes). */
  block: string;
  index: number;
}

/**
 * Per-record keys, sealed together under the master key (SM4, core envelope):
 * the keys of the records written in one go share one seal instead of paying
 * one each. An erased record's slot is zeroed and the block sealed again.
 */
export interface KeyBlock {
  id: string;
  /** sm4.seal(key0 || key1 || ..., masterKey, "keyblock:" || id) */
  sealed: Uint8Array;
}

/** A record to append; with an idempotency key, the digest of the request it belongs to. */
export interface NewRecord extends EvidenceRecord {
  idempotencyDigest?: string;
}

/** A leaf waiting for a batch, in arrival order. */
export interface PendingLeaf {
  id: string;
  leaf: Uint8Array;
  receivedAt: number;
}

/** A closed batch: its signed header, its leaves in tree order, and the anchor once known. */
export interface BatchRecord {
  header: BatchHeader;
  /** SM2 signature over headerBytes, hex. */
  signature: string;
  /** headerHash, hex. */
  headerHash: string;
  /** The SM2 public key that signed it (keys may rotate), hex. */
  publicKey: string;
  /** The leaf bytes in tree order, 122 bytes each, concatenated. */
  leaves: Uint8Array;
  /** When the first of its records was acknowledged (ms), for ack-to-anchor lag. */
  oldestReceivedAt: number;
  anchored: boolean;
  /** The chain receipt; null when the batch was found on chain without one (anchored before a crash). */
  anchor: AnchorRef | null;
  anchoredAt: number | null;
}

/** Where a record sits: its batch and leaf index. */
export interface LeafLocation {
  seq: number;
  index: number;
}

export interface IdempotencyEntry {
  id: string;
  /** SM3 of the request's canonical content, hex: a reused key with other content is a conflict. */
  digest: string;
}

/**
 * An append refused because another writer (another instance) took one of its
 * idempotency keys first; nothing of the append was stored. The caller answers
 * as for a duplicate after looking the key up again.
 */
export class IdempotencyKeyTaken extends Error {
  constructor(readonly taken: { client: string; key: string }[]) {
    super(`idempotency key(s) already taken: ${taken.map((t) => t.key).join(', ')}`);
    this.name = 'IdempotencyKeyTaken';
  }
}

/**
 * Evidence records and the pending queue. `append` resolves only once the
 * records are durably on disk (fsync); that is when the gateway acknowledges.
 */
export interface EvidenceStore {
  /**
   * Writes records and the key blocks holding their keys, atomically and durably.
   * Throws IdempotencyKeyTaken, storing nothing, when a record's (client, idempotency key) is stored already.
   */
  append(records: NewRecord[], blocks: KeyBlock[]): Promise<void>;
  getKeyBlock(id: string): Promise<KeyBlock | null>;
  getRecord(id: string): Promise<EvidenceRecord | null>;
  findIdempotent(client: string, key: string): Promise<IdempotencyEntry | null>;
  location(id: string): Promise<LeafLocation | null>;
  /** Every leaf not yet in a batch, in arrival order (used once at start). */
  pending(): Promise<PendingLeaf[]>;
  /**
   * Drops the payload and salt and writes the key block with the record's key zeroed, atomically; and,
   * before it resolves, leaves no earlier version of the record, the block or the record's idempotency
   * digest in any file of the store (LevelDB: compaction of those keys; PostgreSQL: no dead tuple left).
   */
  erase(id: string, at: number, block: KeyBlock): Promise<void>;
}

/** A perfect subtree of the batch log and its hash (spec section 9). */
export interface LogNode {
  id: NodeId;
  hash: Uint8Array;
}

/** Batches, written atomically with the records they take off the pending queue. */
export interface BatchStore {
  /**
   * Stores the batch, the leaf locations and the batch log's subtrees the
   * batch completes, removes the leaves from pending and advances the head:
   * one atomic, synced write.
   */
  closeBatch(batch: BatchRecord, ids: string[], logNodes: LogNode[]): Promise<void>;
  /** The last closed batch, or null before the first. */
  head(): Promise<{ seq: number; headerHash: string } | null>;
  getBatch(seq: number): Promise<BatchRecord | null>;
  /** Closed batches not yet anchored, ascending. */
  unanchored(): Promise<number[]>;
  /** The highest seq such that it and every batch before it are anchored; -1 when none. */
  anchoredHead(): Promise<number>;
}

/** A checkpoint this gateway signed, with what it gathered since: cosignatures and, once anchored, the receipt. */
export interface CheckpointRecord {
  checkpoint: Checkpoint;
  /** SM2 signature over checkpointBytes, hex. */
  signature: string;
  /** The key that signed it, hex. */
  publicKey: string;
  cosignatures: Cosignature[];
  /** The transaction that anchored it; null while not anchored, or when found on chain without one (a crash). */
  anchor: AnchorRef | null;
  /** When the gateway recorded it as anchored (ms); null while it is not. */
  anchoredAt: number | null;
}

/**
 * The batch log (spec sections 9 to 11): every perfect subtree of the RFC 9162
 * log whose entry i is batch i's header, so a root, an inclusion or a
 * consistency proof at any size costs O(log n) reads; and the checkpoints.
 */
export interface LogStore {
  /** Perfect subtrees by id, in the order asked. Throws when one is missing (a log that lost data). */
  logNodes(ids: readonly NodeId[]): Promise<Uint8Array[]>;
  /** How many log entries have their subtrees stored (batches closed before the log existed have none until backfilled). */
  logSize(): Promise<number>;
  /** Writes the subtrees of entries already closed as batches (a data folder from before the log), durably. */
  backfillLog(nodes: LogNode[], size: number): Promise<void>;
  /** Stores a signed checkpoint, or replaces it with the same checkpoint carrying more cosignatures. */
  putCheckpoint(record: CheckpointRecord): Promise<void>;
  /** The latest signed checkpoint (largest size), or null before the first. */
  latestCheckpoint(): Promise<CheckpointRecord | null>;
  checkpointAt(size: number): Promise<CheckpointRecord | null>;
  /** Records the checkpoint of `size` as anchored, and so every batch below it: one atomic, synced write. */
  markCheckpointAnchored(size: number, anchor: AnchorRef | null, at: number): Promise<void>;
  /** The anchored checkpoint of largest size, or null. */
  lastAnchoredCheckpoint(): Promise<CheckpointRecord | null>;
  /** The first anchored checkpoint whose size exceeds `seq`: the one every bundle of batch `seq` names, forever. */
  anchoredCheckpointCovering(seq: number): Promise<CheckpointRecord | null>;
  /** Anchored checkpoints by increasing size, above `afterSize`, at most `limit`. */
  anchoredCheckpoints(afterSize: number, limit: number): Promise<CheckpointRecord[]>;
}

export interface Subscription {
  id: string;
  client: string;
  url: string;
  /** Kind names; empty means every kind. */
  kinds: string[];
  createdAt: number;
  /** Deliveries queued and not yet over, kept here when the queue forgets its jobs on a crash (the in-process one). */
  pending?: DeliveryRef[];
}

/** One delivery of a subscription: the anchored batch and the chunk of its matching bundles. */
export interface DeliveryRef {
  seq: number;
  chunk: number;
}

export interface SubscriptionStore {
  putSubscription(s: Subscription): Promise<void>;
  listSubscriptions(): Promise<Subscription[]>;
  deleteSubscription(id: string): Promise<boolean>;
}

/** A signed request's nonce, kept until its window closes so a replay is refused even after a restart. */
export interface NonceEntry {
  key: string;
  expiresAt: number;
}

export interface NonceStore {
  putNonces(entries: NonceEntry[]): Promise<void>;
  /**
   * Records the nonce unless a live entry with its key exists, atomically across
   * every process sharing the store: false when it was seen (a replay, possibly
   * sent to another instance). An expired entry with the key is replaced.
   */
  claimNonce(entry: NonceEntry, now: number): Promise<boolean>;
  /** Nonces that have not expired at `now`; expired ones are dropped. */
  liveNonces(now: number): Promise<NonceEntry[]>;
}

export interface GatewayStore extends EvidenceStore, BatchStore, LogStore, SubscriptionStore, NonceStore {
  close(): Promise<void>;
}
