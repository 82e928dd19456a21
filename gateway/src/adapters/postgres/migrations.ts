import type { Pool } from 'pg';

/**
 * The schema, as numbered steps applied in order and recorded in
 * schema_migrations. A step, once released, is never edited: a change is a new
 * step. Instances starting together serialise on an advisory lock, so each
 * step runs once.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'evidence, batches, batch log, checkpoints, subscriptions, nonces, sequencer lease',
    sql: `
CREATE TABLE records (
  id bytea PRIMARY KEY,
  leaf bytea NOT NULL,
  sealed_payload bytea,
  key_block bytea,
  key_index integer,
  salt bytea,
  client text NOT NULL,
  received_at double precision NOT NULL,
  idem_key text,
  erased_at double precision
);
CREATE TABLE key_blocks (id bytea PRIMARY KEY, sealed bytea NOT NULL);
-- The primary key is the cross-instance check: a second record under a taken key is refused.
CREATE TABLE idempotency (client text NOT NULL, key text NOT NULL, id bytea NOT NULL, digest text NOT NULL, PRIMARY KEY (client, key));
CREATE TABLE pending (id bytea PRIMARY KEY, leaf bytea NOT NULL, received_at double precision NOT NULL);
CREATE INDEX pending_arrival ON pending (received_at, id);
CREATE TABLE locations (id bytea PRIMARY KEY, seq bigint NOT NULL, idx integer NOT NULL);
-- epoch: the lease grant under which the batch was closed (null: an unfenced store), for audits of a failover.
CREATE TABLE batches (seq bigint PRIMARY KEY, meta json NOT NULL, leaves bytea NOT NULL, epoch bigint);
CREATE TABLE log_nodes (level smallint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE checkpoints (size bigint PRIMARY KEY, record json NOT NULL, anchored boolean NOT NULL DEFAULT false);
CREATE INDEX checkpoints_anchored ON checkpoints (size) WHERE anchored;
-- head: last closed {seq, headerHash}; anchored: contiguous anchored head; log: entries with subtrees stored.
CREATE TABLE meta (name text PRIMARY KEY, value json NOT NULL);
CREATE TABLE subscriptions (id text PRIMARY KEY, body json NOT NULL);
CREATE TABLE nonces (key text PRIMARY KEY, expires_at double precision NOT NULL);
CREATE INDEX nonces_expiry ON nonces (expires_at);
-- One row: who sequences, until when (the database's clock), and the fencing epoch every sequencer write checks.
CREATE TABLE sequencer_lease (name text PRIMARY KEY, epoch bigint NOT NULL, holder text NOT NULL, expires_at timestamptz NOT NULL);

-- The sequencer's writes call this first, inside their transaction: it fails unless the epoch
-- still holds an unexpired lease, and its share lock makes a takeover wait for the transaction.
CREATE FUNCTION evidence_fence(p_epoch bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_epoch IS NULL THEN RETURN; END IF;
  PERFORM 1 FROM sequencer_lease WHERE name = 'sequencer' AND epoch = p_epoch AND expires_at > clock_timestamp() FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'sequencer epoch % no longer holds the lease', p_epoch USING ERRCODE = 'EV002';
  END IF;
END $$;

-- One statement per append: records, key blocks, idempotency entries and the pending queue, or nothing.
CREATE FUNCTION evidence_append(
  p_ids bytea[], p_leaves bytea[], p_sealed bytea[], p_key_blocks bytea[], p_key_indexes integer[], p_salts bytea[],
  p_clients text[], p_received double precision[], p_idem_keys text[], p_idem_digests text[],
  p_block_ids bytea[], p_block_sealed bytea[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  wanted integer;
  got integer;
  taken text;
BEGIN
  SELECT count(*) INTO wanted FROM unnest(p_idem_keys) k WHERE k IS NOT NULL;
  IF wanted > 0 THEN
    WITH ins AS (
      INSERT INTO idempotency (client, key, id, digest)
      SELECT c, k, i, d FROM unnest(p_clients, p_idem_keys, p_ids, p_idem_digests) AS t(c, k, i, d) WHERE k IS NOT NULL
      ON CONFLICT DO NOTHING RETURNING 1
    ) SELECT count(*) INTO got FROM ins;
    IF got < wanted THEN
      SELECT json_agg(json_build_object('client', c, 'key', k)) INTO taken
        FROM unnest(p_clients, p_idem_keys, p_ids) AS t(c, k, i)
        WHERE k IS NOT NULL AND NOT EXISTS (SELECT 1 FROM idempotency x WHERE x.client = t.c AND x.key = t.k AND x.id = t.i);
      RAISE EXCEPTION 'idempotency keys taken' USING ERRCODE = 'EV001', DETAIL = taken;
    END IF;
  END IF;
  INSERT INTO key_blocks (id, sealed) SELECT * FROM unnest(p_block_ids, p_block_sealed)
    ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed;
  INSERT INTO records (id, leaf, sealed_payload, key_block, key_index, salt, client, received_at, idem_key)
    SELECT * FROM unnest(p_ids, p_leaves, p_sealed, p_key_blocks, p_key_indexes, p_salts, p_clients, p_received, p_idem_keys);
  INSERT INTO pending (id, leaf, received_at) SELECT * FROM unnest(p_ids, p_leaves, p_received);
END $$;

-- One statement per batch close, fenced: the leaves leave pending (every one of them, or nothing),
-- the batch, its locations and log subtrees are written and the head advances.
CREATE FUNCTION evidence_close_batch(
  p_epoch bigint, p_seq bigint, p_meta json, p_leaves bytea, p_ids bytea[],
  p_node_levels smallint[], p_node_indexes bigint[], p_node_hashes bytea[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  taken integer;
BEGIN
  PERFORM evidence_fence(p_epoch);
  WITH gone AS (DELETE FROM pending WHERE id = ANY (p_ids) RETURNING 1) SELECT count(*) INTO taken FROM gone;
  IF taken <> cardinality(p_ids) THEN
    RAISE EXCEPTION 'batch % takes % leaves but only % are pending', p_seq, cardinality(p_ids), taken USING ERRCODE = 'EV003';
  END IF;
  INSERT INTO batches (seq, meta, leaves, epoch) VALUES (p_seq, p_meta, p_leaves, p_epoch);
  INSERT INTO locations (id, seq, idx) SELECT i, p_seq, (n - 1)::integer FROM unnest(p_ids) WITH ORDINALITY AS t(i, n);
  INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest(p_node_levels, p_node_indexes, p_node_hashes)
    ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash;
  INSERT INTO meta (name, value) VALUES ('head', json_build_object('seq', p_seq, 'headerHash', p_meta->>'headerHash')), ('log', to_json(p_seq + 1))
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
END $$;
`,
  },
];

/** Applies the steps not yet recorded, holding an advisory lock so instances starting at once take turns. */
export async function migrate(pool: Pool, schema: string | null): Promise<number[]> {
  const client = await pool.connect();
  try {
    // The lock first: two instances creating the schema at once would otherwise collide.
    const key = schema ?? (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    await client.query(`SELECT pg_advisory_lock(hashtext('evidence-gateway-migrations:' || $1))`, [key]);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('evidence-gateway-migrations:' || $1))`, [key]);
    }
  } finally {
    client.release();
  }
}

/** A schema name as an SQL identifier; names come from configuration, and only plain ones are accepted. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`schema name ${JSON.stringify(name)}: use lowercase letters, digits and _`);
  return `"${name}"`;
}
