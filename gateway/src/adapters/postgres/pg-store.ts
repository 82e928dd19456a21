import pg from 'pg';
import type { AnchorRef, NodeId } from '@evidence/core';
import type {
  BatchRecord,
  CheckpointRecord,
  EvidenceRecord,
  GatewayStore,
  IdempotencyEntry,
  KeyBlock,
  LeafLocation,
  LogNode,
  NewRecord,
  NonceEntry,
  PendingLeaf,
  Subscription,
} from '../../ports/store.js';
import { NotSequencer, translate } from './errors.js';
import { ident, migrate } from './migrations.js';

export interface PgStoreOptions {
  /** A schema of its own (tests; several gateways in one database); default: the connection's search_path. */
  schema?: string;
  /**
   * Sequencer writes (closing batches, the log, checkpoints and their anchoring
   * marks) check a lease epoch in their own transaction; until fence() gives
   * one they are refused. False: a store used by one process that needs no lease.
   */
  fenced?: boolean;
  /** Connections in the pool. */
  max?: number;
}

type Client = pg.Pool | pg.PoolClient;

/**
 * The store port on PostgreSQL: every instance of a gateway shares one
 * database. Each write is one transaction that resolves after COMMIT with
 * synchronous_commit on (flushed to the WAL, and to a synchronous replica when
 * one is configured): that is when the gateway acknowledges. Appends and batch
 * closes are one statement each (a function from the migrations), so a process
 * stopped mid-write never holds locks between statements.
 */
export class PgStore implements GatewayStore {
  private epoch: number | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly fenced: boolean,
  ) {}

  static async open(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
    const settings = ['-c synchronous_commit=on', '-c idle_in_transaction_session_timeout=5000'];
    if (options.schema) settings.push(`-c search_path=${ident(options.schema)}`);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 8,
      options: settings.join(' '),
      // A database out of reach answers 503 within seconds instead of holding requests.
      connectionTimeoutMillis: 2000,
      query_timeout: 15_000,
      keepAlive: true,
      application_name: 'evidence-gateway',
    });
    // A connection lost while idle in the pool is dropped and replaced on the next query; no crash.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, options.schema ?? null);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw translate(e);
    }
    return new PgStore(pool, options.fenced ?? false);
  }

  /** The lease epoch sequencer writes are fenced with from now on; null: this process does not sequence. */
  fence(epoch: number | null): void {
    this.epoch = epoch;
  }

  /** The pool, for the sequencer lease (adapters/postgres/lease.ts), which lives in the same database. */
  get connections(): pg.Pool {
    return this.pool;
  }

  get stats(): { writes: number; operations: number } {
    return { writes: this.writes, operations: this.operations };
  }

  private writes = 0;
  private operations = 0;

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async q<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], on: Client = this.pool): Promise<R[]> {
    try {
      return (await on.query<R>(text, values)).rows;
    } catch (e) {
      throw translate(e);
    }
  }

  /** The epoch to fence a sequencer write with (null when this store is not fenced). */
  private fenceEpoch(): number | null {
    if (!this.fenced) return null;
    if (this.epoch === null) throw new NotSequencer('this instance is not the sequencer');
    return this.epoch;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw translate(e);
    }
    let broken = false;
    try {
      await this.q('BEGIN', [], client);
      await this.q('SELECT evidence_fence($1)', [this.fenceEpoch()], client);
      const out = await fn(client);
      await this.q('COMMIT', [], client);
      this.writes++;
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw translate(e);
    } finally {
      client.release(broken);
    }
  }

  // --- evidence -------------------------------------------------------------

  async append(records: NewRecord[], blocks: KeyBlock[]): Promise<void> {
    if (records.length === 0 && blocks.length === 0) return;
    await this.q(
      'SELECT evidence_append($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[], $5::integer[], $6::bytea[], $7::text[], $8::float8[], $9::text[], $10::text[], $11::bytea[], $12::bytea[])',
      [
        records.map((r) => hex(r.id)),
        records.map((r) => buf(r.leaf)),
        records.map((r) => (r.sealedPayload ? buf(r.sealedPayload) : null)),
        records.map((r) => (r.keyRef ? hex(r.keyRef.block) : null)),
        records.map((r) => r.keyRef?.index ?? null),
        records.map((r) => (r.salt ? buf(r.salt) : null)),
        records.map((r) => r.client),
        records.map((r) => r.receivedAt),
        records.map((r) => r.idempotencyKey ?? null),
        records.map((r) => (r.idempotencyKey === undefined ? null : (r.idempotencyDigest ?? ''))),
        blocks.map((b) => hex(b.id)),
        blocks.map((b) => buf(b.sealed)),
      ],
    );
    this.writes++;
    this.operations += records.length + blocks.length;
  }

  async getKeyBlock(id: string): Promise<KeyBlock | null> {
    const [row] = await this.q<{ sealed: Buffer }>('SELECT sealed FROM key_blocks WHERE id = $1', [hex(id)]);
    return row ? { id, sealed: bytes(row.sealed) } : null;
  }

  async getRecord(id: string): Promise<EvidenceRecord | null> {
    const [row] = await this.q<RecordRow>('SELECT * FROM records WHERE id = $1', [hex(id)]);
    return row ? toRecord(id, row) : null;
  }

  async findIdempotent(client: string, key: string): Promise<IdempotencyEntry | null> {
    const [row] = await this.q<{ id: Buffer; digest: string }>('SELECT id, digest FROM idempotency WHERE client = $1 AND key = $2', [client, key]);
    return row ? { id: row.id.toString('hex'), digest: row.digest } : null;
  }

  async location(id: string): Promise<LeafLocation | null> {
    const [row] = await this.q<{ seq: string; idx: number }>('SELECT seq, idx FROM locations WHERE id = $1', [hex(id)]);
    return row ? { seq: Number(row.seq), index: row.idx } : null;
  }

  async pending(): Promise<PendingLeaf[]> {
    const rows = await this.q<{ id: Buffer; leaf: Buffer; received_at: number }>('SELECT id, leaf, received_at FROM pending ORDER BY received_at, id');
    return rows.map((r) => ({ id: r.id.toString('hex'), leaf: bytes(r.leaf), receivedAt: r.received_at }));
  }

  /**
   * Key shredding: the key slot is zeroed in the rewritten block, the
   * ciphertext and salt dropped and the idempotency digest blanked, in one
   * transaction, then the tables are vacuumed. Bytes of the old row versions can
   * still sit in freed page space until overwritten, in WAL segments until they
   * are recycled, and in replicas' and backups' copies: gateway/README.md says
   * what that means for the erasure guarantee on PostgreSQL.
   */
  async erase(id: string, at: number, block: KeyBlock): Promise<void> {
    const client = await this.pool.connect().catch((e: unknown) => Promise.reject(translate(e)));
    try {
      await this.q('BEGIN', [], client);
      const rows = await this.q(
        'UPDATE records SET sealed_payload = NULL, key_block = NULL, key_index = NULL, salt = NULL, erased_at = COALESCE(erased_at, $2) WHERE id = $1 RETURNING 1',
        [hex(id), at],
        client,
      );
      if (rows.length === 0) throw new Error(`record ${id} is not stored`);
      await this.q('INSERT INTO key_blocks (id, sealed) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed', [hex(block.id), buf(block.sealed)], client);
      // The digest of the request's content (without the salt) would confirm a guessed payload: it goes too.
      await this.q("UPDATE idempotency SET digest = 'erased' WHERE id = $1", [hex(id)], client);
      await this.q('COMMIT', [], client);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    // The old row versions become free space in the tables' pages now rather than at autovacuum's next pass.
    await this.pool.query('VACUUM records, key_blocks, idempotency').catch(() => undefined);
  }

  // --- batches --------------------------------------------------------------

  async closeBatch(batch: BatchRecord, ids: string[], logNodes: LogNode[]): Promise<void> {
    const { leaves, ...meta } = batch;
    await this.q('SELECT evidence_close_batch($1, $2, $3::json, $4, $5::bytea[], $6::smallint[], $7::bigint[], $8::bytea[])', [
      this.fenceEpoch(),
      batch.header.seq,
      JSON.stringify(meta),
      buf(leaves),
      ids.map(hex),
      logNodes.map((n) => n.id.level),
      logNodes.map((n) => n.id.index),
      logNodes.map((n) => buf(n.hash)),
    ]);
    this.writes++;
    this.operations += ids.length;
  }

  async head(): Promise<{ seq: number; headerHash: string } | null> {
    return this.meta<{ seq: number; headerHash: string }>('head');
  }

  async getBatch(seq: number): Promise<BatchRecord | null> {
    const [row] = await this.q<{ meta: Omit<BatchRecord, 'leaves'>; leaves: Buffer }>('SELECT meta, leaves FROM batches WHERE seq = $1', [seq]);
    return row ? { ...row.meta, leaves: bytes(row.leaves) } : null;
  }

  async unanchored(): Promise<number[]> {
    const rows = await this.q<{ seq: string }>('SELECT seq FROM batches WHERE seq > $1 ORDER BY seq', [await this.anchoredHead()]);
    return rows.map((r) => Number(r.seq));
  }

  async anchoredHead(): Promise<number> {
    return (await this.meta<number>('anchored')) ?? -1;
  }

  private async meta<T>(name: string, on: Client = this.pool): Promise<T | null> {
    const [row] = await this.q<{ value: T }>('SELECT value FROM meta WHERE name = $1', [name], on);
    return row ? row.value : null;
  }

  // --- batch log and checkpoints ------------------------------------------

  async logNodes(ids: readonly NodeId[]): Promise<Uint8Array[]> {
    if (ids.length === 0) return [];
    const rows = await this.q<{ level: number; idx: string; hash: Buffer }>(
      'SELECT n.level, n.idx, n.hash FROM unnest($1::smallint[], $2::bigint[]) AS w(level, idx) JOIN log_nodes n USING (level, idx)',
      [ids.map((i) => i.level), ids.map((i) => i.index)],
    );
    const found = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
    return ids.map((id) => {
      const hash = found.get(`${id.level}/${id.index}`);
      if (!hash) throw new Error(`batch log node ${id.level}/${id.index} is missing from the store`);
      return bytes(hash);
    });
  }

  async logSize(): Promise<number> {
    return (await this.meta<number>('log')) ?? 0;
  }

  async backfillLog(nodes: LogNode[], size: number): Promise<void> {
    await this.tx(async (c) => {
      await this.q(
        'INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[]) ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash',
        [nodes.map((n) => n.id.level), nodes.map((n) => n.id.index), nodes.map((n) => buf(n.hash))],
        c,
      );
      await this.setMeta('log', size, c);
    });
  }

  async putCheckpoint(record: CheckpointRecord): Promise<void> {
    await this.tx(async (c) => {
      await this.q(
        'INSERT INTO checkpoints (size, record, anchored) VALUES ($1, $2::json, $3) ON CONFLICT (size) DO UPDATE SET record = EXCLUDED.record, anchored = checkpoints.anchored OR EXCLUDED.anchored',
        [record.checkpoint.size, JSON.stringify(record), record.anchoredAt !== null],
        c,
      );
    });
  }

  async latestCheckpoint(): Promise<CheckpointRecord | null> {
    const [row] = await this.q<{ record: CheckpointRecord }>('SELECT record FROM checkpoints ORDER BY size DESC LIMIT 1');
    return row?.record ?? null;
  }

  async checkpointAt(size: number, on: Client = this.pool): Promise<CheckpointRecord | null> {
    const [row] = await this.q<{ record: CheckpointRecord }>('SELECT record FROM checkpoints WHERE size = $1', [size], on);
    return row?.record ?? null;
  }

  async markCheckpointAnchored(size: number, anchor: AnchorRef | null, at: number): Promise<void> {
    await this.tx(async (c) => {
      const record = await this.checkpointAt(size, c);
      if (!record) throw new Error(`checkpoint of size ${size} is not stored`);
      const anchored: CheckpointRecord = { ...record, anchor: anchor ?? record.anchor, anchoredAt: record.anchoredAt ?? at };
      await this.q('UPDATE checkpoints SET record = $2::json, anchored = true WHERE size = $1', [size, JSON.stringify(anchored)], c);
      // Every batch below the size is anchored now.
      const head = (await this.meta<number>('anchored', c)) ?? -1;
      if (head < size - 1) await this.setMeta('anchored', size - 1, c);
    });
  }

  async lastAnchoredCheckpoint(): Promise<CheckpointRecord | null> {
    const [row] = await this.q<{ record: CheckpointRecord }>('SELECT record FROM checkpoints WHERE anchored ORDER BY size DESC LIMIT 1');
    return row?.record ?? null;
  }

  async anchoredCheckpointCovering(seq: number): Promise<CheckpointRecord | null> {
    const [row] = await this.q<{ record: CheckpointRecord }>('SELECT record FROM checkpoints WHERE anchored AND size > $1 ORDER BY size LIMIT 1', [seq]);
    return row?.record ?? null;
  }

  async anchoredCheckpoints(afterSize: number, limit: number): Promise<CheckpointRecord[]> {
    const rows = await this.q<{ record: CheckpointRecord }>('SELECT record FROM checkpoints WHERE anchored AND size > $1 ORDER BY size LIMIT $2', [afterSize, limit]);
    return rows.map((r) => r.record);
  }

  private async setMeta(name: string, value: unknown, c: Client): Promise<void> {
    await this.q('INSERT INTO meta (name, value) VALUES ($1, $2::json) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value', [name, JSON.stringify(value)], c);
  }

  // --- subscriptions ------------------------------------------------------

  async putSubscription(s: Subscription): Promise<void> {
    await this.q('INSERT INTO subscriptions (id, body) VALUES ($1, $2::json) ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body', [s.id, JSON.stringify(s)]);
  }

  async listSubscriptions(): Promise<Subscription[]> {
    return (await this.q<{ body: Subscription }>('SELECT body FROM subscriptions ORDER BY id')).map((r) => r.body);
  }

  async deleteSubscription(id: string): Promise<boolean> {
    return (await this.q('DELETE FROM subscriptions WHERE id = $1 RETURNING 1', [id])).length > 0;
  }

  // --- nonces -------------------------------------------------------------

  async putNonces(entries: NonceEntry[]): Promise<void> {
    await this.q(
      'INSERT INTO nonces (key, expires_at) SELECT * FROM unnest($1::text[], $2::float8[]) ON CONFLICT (key) DO UPDATE SET expires_at = GREATEST(nonces.expires_at, EXCLUDED.expires_at)',
      [entries.map((n) => n.key), entries.map((n) => n.expiresAt)],
    );
  }

  /** The primary key decides between instances: the insert, or the update of an expired entry, happens once. */
  async claimNonce(entry: NonceEntry, now: number): Promise<boolean> {
    const rows = await this.q(
      'INSERT INTO nonces (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE nonces.expires_at <= $3 RETURNING 1',
      [entry.key, entry.expiresAt, now],
    );
    return rows.length > 0;
  }

  async liveNonces(now: number): Promise<NonceEntry[]> {
    await this.q('DELETE FROM nonces WHERE expires_at <= $1', [now]);
    const rows = await this.q<{ key: string; expires_at: number }>('SELECT key, expires_at FROM nonces ORDER BY expires_at');
    return rows.map((r) => ({ key: r.key, expiresAt: r.expires_at }));
  }
}

interface RecordRow {
  leaf: Buffer;
  sealed_payload: Buffer | null;
  key_block: Buffer | null;
  key_index: number | null;
  salt: Buffer | null;
  client: string;
  received_at: number;
  idem_key: string | null;
  erased_at: number | null;
}

function toRecord(id: string, row: RecordRow): EvidenceRecord {
  const record: EvidenceRecord = {
    id,
    leaf: bytes(row.leaf),
    sealedPayload: row.sealed_payload ? bytes(row.sealed_payload) : null,
    keyRef: row.key_block ? { block: row.key_block.toString('hex'), index: row.key_index ?? 0 } : null,
    salt: row.salt ? bytes(row.salt) : null,
    client: row.client,
    receivedAt: row.received_at,
  };
  if (row.idem_key !== null) record.idempotencyKey = row.idem_key;
  if (row.erased_at !== null) record.erasedAt = row.erased_at;
  return record;
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
/** Driver buffers as the plain Uint8Array views the port hands out. */
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
