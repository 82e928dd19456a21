import { expect } from 'vitest';
import pg from 'pg';
import { baseEnv, FAULT_SERVER, gatewayPublicKey, spawnGateway, tempDir, type GatewayClient, type GatewayProcess } from '../../gateway/support/gateway.js';
import { mixedEvent } from '../../gateway/support/events.js';
import { DATABASE_URL, dropSchema, scratchSchema } from './database.js';

/** Instances of one gateway as child processes on one PostgreSQL schema and one key file, as deployed. */
export interface Cluster {
  schema: string;
  keysFile: string;
  publicKey: string;
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts an instance (FAULT_KILL_AT through the crash tests' entry); resolves once it listens. */
  spawn(extra?: Record<string, string>): Promise<GatewayProcess>;
  /** Rows of the shared database, for checks no HTTP route answers (which lease epoch closed each batch). */
  query<R extends pg.QueryResultRow>(sql: string): Promise<R[]>;
  close(): Promise<void>;
}

export async function cluster(code: string, common: Record<string, string>, databaseUrl = DATABASE_URL): Promise<Cluster> {
  const dir = tempDir('ha-');
  const schema = scratchSchema('ha');
  const publicKey = await gatewayPublicKey(dir.path);
  const keysFile = `${dir.path}/keys.json`;
  const running: GatewayProcess[] = [];
  let n = 0;
  const env = (extra: Record<string, string> = {}) =>
    baseEnv(code, `${dir.path}/instance-${n++}`, {
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      KEYS_FILE: keysFile,
      BATCH_SIZE: '64',
      BATCH_MAX_AGE_MS: '100',
      SEQUENCER_LEASE_MS: '2000',
      ...common,
      ...extra,
    });
  return {
    schema,
    keysFile,
    publicKey,
    env,
    async spawn(extra = {}) {
      const p = await spawnGateway(env(extra), extra.FAULT_KILL_AT ? FAULT_SERVER : undefined);
      running.push(p);
      return p;
    },
    async query<R extends pg.QueryResultRow>(sql: string) {
      const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        return (await client.query<R>(sql)).rows;
      } finally {
        await client.end();
      }
    },
    async close() {
      for (const p of running) {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          // A stopped process must be continued to hear SIGTERM.
          p.child.kill('SIGCONT');
          await p.close();
        }
      }
      await dropSchema(schema);
      dir.remove();
    },
  };
}

export async function health(client: GatewayClient): Promise<{ sequencer: boolean; pid: number }> {
  return (await client.get<{ sequencer: boolean; pid: number }>('/healthz')).body;
}

/** Resolves with the time it took once `check` holds; throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Writers posting single events and small bulks to the given instances in
 * turn, recording every id acknowledged (202). A request whose connection
 * dies, or that is refused, was not acknowledged.
 */
export function load(targets: () => GatewayClient[], tag: string, writers = 12) {
  const acked: string[] = [];
  const refusals = new Map<string, number>();
  let stopped = false;
  let n = 0;
  const running = Array.from({ length: writers }, async () => {
    while (!stopped) {
      const i = n++;
      const list = targets();
      const client = list[i % list.length]!;
      try {
        const r =
          i % 8 === 0
            ? await client.post<{ items?: { id: string }[]; code?: string }>('/v1/evidence/batch', { items: [0, 1, 2, 3].map((k) => mixedEvent(i * 10 + k, tag)) })
            : await client.post<{ id?: string; code?: string }>('/v1/evidence', mixedEvent(i * 10, tag));
        const body = r.body as { id?: string; items?: { id: string }[]; code?: string };
        if (r.status === 202) acked.push(...(body.items ? body.items.map((x) => x.id) : [body.id!]));
        else refusals.set(`${r.status} ${body.code}`, (refusals.get(`${r.status} ${body.code}`) ?? 0) + 1);
      } catch {
        refusals.set('connection', (refusals.get('connection') ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  return {
    acked,
    refusals,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Every batch 0..head present, chained, each acknowledged id in exactly one of them. */
export async function expectBatchedOnce(c: Cluster, acked: readonly string[]): Promise<number> {
  const rows = await c.query<{ seq: string; meta: { header: { prev: string }; headerHash: string }; leaves: Buffer }>('SELECT seq, meta, leaves FROM batches ORDER BY seq');
  rows.forEach((r, i) => {
    expect(Number(r.seq)).toBe(i);
    if (i > 0) expect(r.meta.header.prev).toBe(rows[i - 1]!.meta.headerHash);
  });
  const seen = new Map<string, number>();
  for (const r of rows) for (let o = 0; o < r.leaves.length; o += 122) {
    const id = r.leaves.toString('hex', o + 2, o + 18);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  expect([...seen.values()].filter((k) => k !== 1)).toEqual([]);
  expect(acked.filter((id) => !seen.has(id))).toEqual([]);
  return rows.length;
}
