/**
 * `evidence monitor`: three real witnesses (the node's standalone witness,
 * LevelDB state in a temporary folder, gateway keys from a directory of these
 * gateways) on 127.0.0.1 at ports chosen now, and a gateway's consistency
 * endpoint. One history cosigned everywhere is consistent; a gateway key that
 * shows witness A one history and witness B another is a split view, named
 * with both gateway-signed checkpoints and their cosigners.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@evidence/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWitnessServer, standaloneWitness, type CosignRequest, type Witness } from '../../node/src/witness/index.js';
import { GatewayLog, registryOf, witnessIdentity } from '../witness/support.js';
import { evidence, scratch } from './run-evidence.js';

const file = scratch('evidence-cli-monitor-');
const TOKEN = 'monitor-token';

interface Running {
  code: string;
  url: string;
  app: FastifyInstance;
  witness: Witness;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evidence-monitor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts witnesses that know these gateways' keys; the caller stops them. */
async function startWitnesses(codes: string[], ...logs: GatewayLog[]): Promise<Running[]> {
  return Promise.all(
    codes.map(async (code) => {
      const identity = witnessIdentity(code);
      const { witness, registry } = await standaloneWitness(
        { code, id: identity.id, dataDir: join(dir, code), host: '127.0.0.1', port: 0, toleranceMs: 60_000, keyCacheMs: 0, logLevel: 'silent' },
        identity,
        { keys: registryOf(...logs) },
      );
      const app = await buildWitnessServer(witness, registry, { logger: false });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return { code, url, app, witness };
    }),
  );
}

async function stop(witnesses: Running[], gateway?: Server): Promise<void> {
  for (const w of witnesses) {
    await w.app.close();
    await w.witness.close();
  }
  if (gateway) await new Promise<void>((resolve) => gateway.close(() => resolve()));
}

/**
 * The gateway's GET /v1/log/consistency, from whichever log `served()`
 * returns at the time: an honest gateway serves its one log; a forking one
 * can only serve proofs from one of its histories.
 */
async function startGateway(served: () => GatewayLog): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end(JSON.stringify({ code: 'UNAUTHORIZED' }));
      return;
    }
    const log = served();
    const first = Number(u.searchParams.get('first'));
    const second = Number(u.searchParams.get('second'));
    if (u.pathname !== '/v1/log/consistency' || !(first >= 1 && first <= second && second <= log.size)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND' }));
      return;
    }
    const tree = log.tree(second);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        alg: log.alg,
        first,
        second,
        firstRoot: toHex(log.tree(first).root),
        secondRoot: toHex(tree.root),
        proof: first === second ? [] : tree.consistencyProof(first).map(toHex),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function cosign(w: Running, request: CosignRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${w.url}/v1/witness/cosign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const monitor = (gateway: GatewayLog, witnesses: Running[], extra: string[] = []) =>
  evidence(['monitor', '--gateway', gateway.code, '--witnesses', witnesses.map((w) => w.url).join(','), ...extra]);

describe('evidence monitor', () => {
  it('one history cosigned on three witnesses, at two sizes: consistent, exit 0', async () => {
    const gw = new GatewayLog('H330100301').append(5);
    const witnesses = await startWitnesses(['RN-MON-A', 'RN-MON-B', 'COURT-MON-C'], gw);
    const gateway = await startGateway(() => gw);
    try {
      const first = gw.request();
      for (const w of witnesses) expect((await cosign(w, first)).status).toBe(200);
      gw.append(3);
      expect((await cosign(witnesses[2]!, gw.request({ from: 5 }))).status).toBe(200);

      const withoutGateway = await monitor(gw, witnesses);
      expect(withoutGateway.code).toBe(2);
      expect(withoutGateway.stdout).toContain('give --gateway-url to ask for a consistency proof');

      const r = await monitor(gw, witnesses, ['--gateway-url', gateway.url, '--token', TOKEN]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('✓ 一致 CONSISTENT');
      expect(r.stdout).toContain('✓ 大小 size 5 ↔ 8');

      const listFile = file('witnesses.json', witnesses.map((w) => ({ code: w.code, url: w.url })));
      const json = await evidence(['monitor', '--gateway', gw.id, '--witnesses-file', listFile, '--gateway-url', gateway.url, '--token', TOKEN, '--json']);
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout) as { consistent: boolean; witnesses: { label: string; status: string; checkpoint: { size: number } }[]; pairs: { result: string }[] };
      expect(report.consistent).toBe(true);
      expect(report.witnesses.map((w) => [w.label, w.status, w.checkpoint.size])).toEqual([
        ['RN-MON-A', 'cosigned', 5],
        ['RN-MON-B', 'cosigned', 5],
        ['COURT-MON-C', 'cosigned', 8],
      ]);
      expect(report.pairs).toEqual([{ first: 5, second: 8, result: 'consistent', message: expect.stringContaining('extends') }]);

      // The wrong token is not the gateway's word about its log: undetermined, exit 2.
      expect((await monitor(gw, witnesses, ['--gateway-url', gateway.url, '--token', 'wrong'])).code).toBe(2);
    } finally {
      await stop(witnesses, gateway.server);
    }
  });

  it('a split view: the same size with two roots shown to two witnesses is named with both signed checkpoints, exit 1', async () => {
    const shown = new GatewayLog('H330100302').append(4);
    const other = shown.rewritten(1);
    const witnesses = await startWitnesses(['RN-SPLIT-A', 'RN-SPLIT-B'], shown);
    try {
      const a = shown.request();
      const b = other.request();
      expect((await cosign(witnesses[0]!, a)).status).toBe(200);
      expect((await cosign(witnesses[1]!, b)).status).toBe(200);

      const r = await monitor(shown, witnesses);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ 分裂视图 SPLIT VIEW');
      expect(r.stdout).toContain(`同一大小 4 有两个根 two roots for size 4: `);
      for (const req of [a, b]) {
        expect(r.stdout).toContain(req.checkpoint.root);
        expect(r.stdout).toContain(`签名 value ${req.signature.value}`);
      }
      for (const w of witnesses) expect(r.stdout).toContain(`副签见证人 cosigned by ${w.url}`);

      const json = await monitor(shown, witnesses, ['--json']);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as {
        splitView: boolean;
        splitViews: { reason: string; first: { checkpoint: unknown; signature: unknown; cosignedBy: { label: string }[] }; second: { checkpoint: unknown; cosignedBy: { label: string }[] } }[];
      };
      expect(report.splitView).toBe(true);
      expect(report.splitViews).toHaveLength(1);
      const [split] = report.splitViews;
      expect(split!.reason).toBe('root');
      const sides = [split!.first, split!.second].map((s) => [s.checkpoint, s.cosignedBy.map((c) => c.label)]);
      expect(sides).toEqual(
        expect.arrayContaining([
          [a.checkpoint, [witnesses[0]!.url]],
          [b.checkpoint, [witnesses[1]!.url]],
        ]),
      );
      expect(split!.first.signature).toBeDefined();
    } finally {
      await stop(witnesses);
    }
  });

  it("a split view across sizes: the gateway's proof fails against the witnessed roots; fork evidence a witness holds is reported", async () => {
    const shown = new GatewayLog('H330100303').append(4);
    const other = shown.rewritten(1).append(2);
    const witnesses = await startWitnesses(['RN-SIZE-A', 'RN-SIZE-B'], shown);
    // The gateway answers proofs from the history it showed A.
    const gateway = await startGateway(() => {
      const honestLooking = new GatewayLog(shown.code, shown.key);
      honestLooking.leaves.push(...shown.leaves, ...other.leaves.slice(4));
      return honestLooking;
    });
    try {
      expect((await cosign(witnesses[0]!, shown.request())).status).toBe(200);
      expect((await cosign(witnesses[1]!, other.request())).status).toBe(200);
      // The other history offered to A too: A refuses and keeps the pair as fork evidence.
      const refused = await cosign(witnesses[0]!, other.request({ from: 4 }));
      expect(refused.body).toMatchObject({ code: 'WITNESS_FORK' });

      const r = await monitor(shown, witnesses, ['--gateway-url', gateway.url, '--token', TOKEN]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ 分裂视图 SPLIT VIEW');
      expect(r.stdout).toContain('一致性证明不成立 the proof fails against the witnessed roots');
      expect(r.stdout).toContain('分叉证据 fork evidence (consistency');
      expect(r.stdout).toContain('见证人的分叉证据中 in the fork evidence of');

      const json = JSON.parse((await monitor(shown, witnesses, ['--gateway-url', gateway.url, '--token', TOKEN, '--json'])).stdout) as {
        witnesses: { forks: { reason: string; signed: boolean; first: { size: number }; second: { size: number } }[] }[];
        splitViews: { reason: string }[];
      };
      expect(json.witnesses[0]!.forks).toEqual([{ reason: 'consistency', signed: true, detectedAt: expect.any(Number), first: { size: 4, root: shown.checkpoint(4).root }, second: { size: 6, root: other.checkpoint(6).root } }]);
      expect(json.witnesses[1]!.forks).toEqual([]);
      expect(json.splitViews.map((s) => s.reason)).toEqual(['consistency']);
    } finally {
      await stop(witnesses, gateway.server);
    }
  });

  it('an unreachable witness, and bad usage: exit 2', async () => {
    const gw = new GatewayLog('H330100304').append(2);
    const witnesses = await startWitnesses(['RN-DOWN-A'], gw);
    try {
      expect((await cosign(witnesses[0]!, gw.request())).status).toBe(200);
      const r = await monitor(gw, witnesses, ['--json']);
      expect(r.code).toBe(0);
      const down = await evidence(['monitor', '--gateway', gw.code, '--witnesses', `${witnesses[0]!.url},http://127.0.0.1:9`]);
      expect(down.code).toBe(2);
      expect(down.stdout).toContain('不可达 unreachable');
      const none = await evidence(['monitor', '--gateway', new GatewayLog('H330100399').id, '--witnesses', witnesses[0]!.url]);
      expect(none.code).toBe(0);
      expect(none.stdout).toContain('未见过该网关 has cosigned nothing of this gateway');
    } finally {
      await stop(witnesses);
    }
    expect((await evidence(['monitor', '--gateway', gw.code])).code).toBe(2);
    expect((await evidence(['monitor', '--witnesses', 'http://127.0.0.1:9'])).code).toBe(2);
    expect((await evidence(['monitor', '--gateway', gw.code, '--witnesses', 'ftp://x'])).code).toBe(2);
  });
});
