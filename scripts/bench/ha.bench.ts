/**
 * A gateway on PostgreSQL, one and two instances, next to one LevelDB gateway
 * in the same run (autocannon on loopback, the machine's PostgreSQL):
 *   single-event intake   req/s and p99 at 64 connections (two instances: 32 each, summed)
 *   bulk intake           events/s durably written, 1,000-event bodies at 4 connections (2 each)
 *   failover              SIGKILL of the sequencer until the other instance's /healthz says it sequences,
 *                         p50/p99 over BENCH_KILLS kills (the killed one started again as a follower each time)
 * Intake figures come from alternating short rounds (median and range of the
 * rounds): the machine's speed drifts between phases. Servers run from
 * sources through tsx, all alike; ANCHOR=none (intake and batching only).
 *   npm run bench -- ha
 *   BENCH_ROUNDS=3 BENCH_SECONDS=3 BENCH_KILLS=10 npm run bench -- ha
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { EVIDENCE_KINDS, type EvidenceKindName } from '@evidence/core';
import { EXAMPLE_PAYLOADS } from '@evidence/gateway';
import { BENCH_TOKEN as TOKEN, benchGatewayEnv, forkServer, type Child } from './gateway/children.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const KILLS = Number(process.env.BENCH_KILLS ?? 10);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENTRY = 'gateway/src/server.ts';
const KINDS = Object.keys(EVIDENCE_KINDS) as EvidenceKindName[];

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const spread = (xs: number[], d = 0) => `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;

const single = JSON.stringify({ kind: 'prescription', subject: { idNumber: '110105194912310021' }, payload: EXAMPLE_PAYLOADS.prescription });
const bulk = JSON.stringify({
  items: Array.from({ length: 1000 }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    const base = EXAMPLE_PAYLOADS[kind] as Record<string, unknown>;
    return { kind, subject: { idNumber: `1101051949123100${String(i % 100).padStart(2, '0')}` }, payload: kind === 'hop-trace' || kind === 'record-access' ? base : { ...base, ext: { n: i } } };
  }),
});

function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return benchGatewayEnv('HBENCHHA01', dir, extra);
}

/** req/s summed over the instances (connections split between them), and the worst p99. */
async function load(urls: string[], body: string, connections: number, seconds: number): Promise<{ rps: number; p99: number }> {
  const runs = await Promise.all(
    urls.map((url) =>
      autocannon({
        url: `${url}/v1/evidence${body === bulk ? '/batch' : ''}`,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        connections: Math.max(1, Math.floor(connections / urls.length)),
        duration: seconds,
      }),
    ),
  );
  for (const r of runs) if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: runs.reduce((s, r) => s + r.requests.average, 0), p99: Math.max(...runs.map((r) => r.latency.p99)) };
}

async function health(url: string): Promise<{ sequencer: boolean }> {
  return (await (await fetch(`${url}/healthz`)).json()) as { sequencer: boolean };
}

async function sequencerOf(instances: Child[]): Promise<number> {
  for (;;) {
    for (let i = 0; i < instances.length; i++) if ((await health(instances[i]!.url).catch(() => ({ sequencer: false }))).sequencer) return i;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-ha-'));
  const schemas = [1, 2, 3].map((i) => `bench_ha${i}_${randomBytes(4).toString('hex')}`);
  const pgEnv = (schema: string, name: string) => env(join(dir, name), { STORE: 'postgres', DATABASE_URL, DATABASE_SCHEMA: schema, KEYS_FILE: join(dir, `${schema}.keys.json`) });
  const started: Child[] = [];
  const start = async (e: Record<string, string>) => {
    const c = await forkServer(ENTRY, e);
    started.push(c);
    return c;
  };
  try {
    const level = await start(env(join(dir, 'level')));
    const one = await start(pgEnv(schemas[0]!, 'one'));
    const twoA = await start(pgEnv(schemas[1]!, 'two-a'));
    const twoB = await start(pgEnv(schemas[1]!, 'two-b'));
    const setups: Record<string, string[]> = { 'LevelDB, 1 process': [level.url], 'PostgreSQL, 1 instance': [one.url], 'PostgreSQL, 2 instances': [twoA.url, twoB.url] };
    const results: Record<string, { single: number[]; p99: number[]; bulk: number[] }> = {};
    for (const name of Object.keys(setups)) results[name] = { single: [], p99: [], bulk: [] };
    for (const urls of Object.values(setups)) {
      await load(urls, single, 64, 2);
      await load(urls, bulk, 4, 2);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const names = round % 2 === 0 ? Object.keys(setups) : Object.keys(setups).reverse();
      for (const name of names) {
        const s = await load(setups[name]!, single, 64, SECONDS);
        results[name]!.single.push(s.rps);
        results[name]!.p99.push(s.p99);
        results[name]!.bulk.push((await load(setups[name]!, bulk, 4, SECONDS)).rps * 1000);
      }
    }
    for (const c of started.splice(0)) await c.stop();

    console.log(`\nintake, median of ${ROUNDS} alternating rounds of ${SECONDS} s (range)`);
    console.log('setup                      single: req/s          p99 ms        bulk: events/s');
    for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(27)}${spread(r.single).padEnd(23)}${spread(r.p99).padEnd(14)}${spread(r.bulk)}`);

    // Failover: two instances; kill the sequencer, time the other's takeover, start the killed one again.
    const instances = [await start(pgEnv(schemas[2]!, 'fo-0')), await start(pgEnv(schemas[2]!, 'fo-1'))];
    const times: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const s = await sequencerOf(instances);
      const victim = instances[s]!;
      const other = instances[1 - s]!;
      victim.child.kill('SIGKILL');
      const t0 = performance.now();
      while (!(await health(other.url).catch(() => ({ sequencer: false }))).sequencer) await new Promise((r) => setTimeout(r, 10));
      times.push(performance.now() - t0);
      await victim.stop();
      instances[s] = await start(pgEnv(schemas[2]!, `fo-${k + 2}`));
    }
    console.log(`\nfailover (SEQUENCER_LEASE_MS 2000): SIGKILL of the sequencer to the other's /healthz saying sequencer, ${KILLS} kills`);
    console.log(`p50 ${fmt(pct(times, 50))} ms   p99 ${fmt(pct(times, 99))} ms   (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))})`);
  } finally {
    for (const c of started) await c.stop().catch(() => undefined);
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
