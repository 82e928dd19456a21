/**
 * The two well-kept PostgreSQL drivers on the gateway's intake path: the
 * store's append (one statement, evidence_append, with every record and key
 * block as array parameters; synchronous_commit on) of one record and of a
 * 1,000-record bulk, through node-postgres (`pg`, what adapters/postgres uses)
 * and through `postgres` (porsager), on the same scratch schema of the
 * machine's PostgreSQL. One append at a time, as the key vault writes. The
 * drivers alternate in rounds (the machine drifts); each figure is the median
 * of the rounds with their range.
 *
 *   npm run bench -- pg-drivers
 *   BENCH_DATABASE_URL=postgres://... BENCH_ROUNDS=5 npm run bench -- pg-drivers
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import postgres from 'postgres';
import { encodeLeaf } from '@evidence/core';
import { PgStore } from '../../gateway/src/adapters/postgres/pg-store.js';
import type { NewRecord } from '../../gateway/src/ports/store.js';

const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SINGLES = Number(process.env.BENCH_SINGLES ?? 300);
const BULKS = Number(process.env.BENCH_BULKS ?? 10);
const BULK = 1000;

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], d = 0) => `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;

let next = 0;
function records(n: number): NewRecord[] {
  return Array.from({ length: n }, () => {
    const id = randomBytes(16).toString('hex');
    const leaf = encodeLeaf({ v: 1, kind: 1 + (next++ % 12), id, gateway: 'aa'.repeat(32), subject: 'bb'.repeat(32), ts: Date.now(), commitment: randomBytes(32).toString('hex') });
    return { id, leaf, sealedPayload: randomBytes(400), keyRef: { block: '12'.repeat(16), index: 0 }, salt: randomBytes(32), client: 'his', receivedAt: Date.now() };
  });
}

/** The parameters of evidence_append, as PgStore passes them. */
function params(rs: NewRecord[]): unknown[] {
  const block = { id: randomBytes(16), sealed: randomBytes(32 * rs.length + 16) };
  return [
    rs.map((r) => Buffer.from(r.id, 'hex')),
    rs.map((r) => Buffer.from(r.leaf)),
    rs.map((r) => Buffer.from(r.sealedPayload!)),
    rs.map(() => block.id),
    rs.map((_, i) => i),
    rs.map((r) => Buffer.from(r.salt!)),
    rs.map((r) => r.client),
    rs.map((r) => r.receivedAt),
    rs.map(() => null),
    rs.map(() => null),
    [block.id],
    [block.sealed],
  ];
}

const APPEND =
  'SELECT evidence_append($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[], $5::integer[], $6::bytea[], $7::text[], $8::float8[], $9::text[], $10::text[], $11::bytea[], $12::bytea[])';

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  // The schema and its functions, as the gateway's migrations create them.
  await (await PgStore.open(URL, { schema })).close();
  const options = `-c synchronous_commit=on -c search_path=${schema}`;
  const nodePg = new pg.Pool({ connectionString: URL, max: 2, options });
  const porsager = postgres(URL, { max: 2, connection: { synchronous_commit: 'on', search_path: schema }, onnotice: () => undefined });
  const drivers: Record<string, (rs: NewRecord[]) => Promise<unknown>> = {
    'pg (node-postgres)': (rs) => nodePg.query(APPEND, params(rs)),
    'postgres (porsager)': (rs) => porsager.unsafe(APPEND, params(rs) as never[], { prepare: true }),
  };
  const results: Record<string, { single: number[]; bulk: number[] }> = {};
  for (const name of Object.keys(drivers)) results[name] = { single: [], bulk: [] };
  // Warm-up: connections, prepared statements, JIT.
  for (const fn of Object.values(drivers)) for (let i = 0; i < 20; i++) await fn(records(i % 2 === 0 ? 1 : 100));

  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(drivers) : Object.keys(drivers).reverse();
    for (const name of order) {
      const fn = drivers[name]!;
      const singles = Array.from({ length: SINGLES }, () => records(1));
      let t = performance.now();
      for (const rs of singles) await fn(rs);
      results[name]!.single.push((SINGLES / (performance.now() - t)) * 1000);
      const bulks = Array.from({ length: BULKS }, () => records(BULK));
      t = performance.now();
      for (const rs of bulks) await fn(rs);
      results[name]!.bulk.push(((BULKS * BULK) / (performance.now() - t)) * 1000);
    }
  }
  await nodePg.end();
  await porsager.end();
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();

  console.log(`\nappend through each driver, one at a time (synchronous_commit on); median of ${ROUNDS} alternating rounds (range)`);
  console.log('driver                  single record: appends/s    1,000-record bulk: records/s');
  for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(24)}${spread(r.single).padEnd(28)}${spread(r.bulk)}`);
}

await main();
