/**
 * `evidence verify-consistency`, from a file and from a gateway. The gateway
 * is a tiny HTTP server on 127.0.0.1 (a port chosen at run time) answering
 * GET /v1/log/consistency?first=M&second=N with proofs made by core's
 * MerkleTree, honestly or as a gateway that rewrote its history would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MerkleTree, sm3, toHex, utf8 } from '@evidence/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v2 } from '../spec/v2-vectors.js';
import { evidence, jsonLines, scratch } from './run-evidence.js';

const file = scratch('evidence-consistency-');
const TOKEN = 'monitor-token';

/** Log leaf hashes standing in for batch headers: 12 of them, the 5th rewritten in the forked history. */
const leaves = Array.from({ length: 12 }, (_, i) => sm3(utf8(`batch ${i}`)));
const forked = leaves.map((l, i) => (i === 4 ? sm3(utf8('batch 4, rewritten')) : l));

function proofDoc(history: Uint8Array[], first: number, second: number) {
  const tree = (n: number) => MerkleTree.fromLeafHashes('sm3', history.slice(0, n));
  return {
    alg: 'sm3',
    first,
    second,
    firstRoot: toHex(tree(first).root),
    secondRoot: toHex(tree(second).root),
    proof: tree(second).consistencyProof(first).map(toHex),
  };
}

type Mode = 'honest' | 'forked' | 'bad-proof' | 'other-sizes' | 'not-json';

describe('evidence verify-consistency', () => {
  let server: Server;
  let url: string;
  let mode: Mode = 'honest';
  const seen: { path: string; auth: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization });
      const u = new URL(req.url ?? '/', 'http://gateway');
      if (u.pathname !== '/v1/log/consistency') return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHORIZED"}');
      const first = Number(u.searchParams.get('first'));
      const second = Number(u.searchParams.get('second'));
      if (mode === 'not-json') return void res.writeHead(200).end('<html>');
      const doc = proofDoc(mode === 'forked' ? forked : leaves, first, mode === 'other-sizes' ? second - 1 : second);
      if (mode === 'bad-proof') doc.proof[0] = '00'.repeat(32);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const ask = (m: Mode, ...extra: string[]) => {
    mode = m;
    return evidence(['verify-consistency', '--gateway', url, '--from', '5', '--to', '11', '--token', TOKEN, ...extra]);
  };

  describe('from a file', () => {
    it.each(v2.consistency)('$alg $first -> $second: exit 0', async (c) => {
      const r = await evidence(['verify-consistency', file(`ok-${c.alg}-${c.first}-${c.second}.json`, c), '--json']);
      expect(r.code).toBe(0);
      expect(jsonLines(r.stdout)[0]).toMatchObject({ consistent: true, first: c.first, second: c.second });
    });

    it.each(v2.badConsistency)('$why: exit 1', async (c) => {
      const r = await evidence(['verify-consistency', file(`bad-${c.why.replace(/\W/g, '-')}.json`, c), '--json']);
      expect(r.code).toBe(1);
      expect(jsonLines(r.stdout)[0]).toMatchObject({ consistent: false });
    });

    it('prints the sizes, both roots and the verdict in Chinese and English', async () => {
      const c = v2.consistency[1]!;
      const r = await evidence(['verify-consistency', file('human.json', c)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`大小 size ${c.first} → ${c.second}`);
      expect(r.stdout).toContain(`旧根 first root:  ${c.firstRoot}`);
      expect(r.stdout).toContain(`新根 second root: ${c.secondRoot}`);
      expect(r.stdout).toContain('✓ 一致 CONSISTENT');
    });

    it('exit 2 on a file that cannot be read, is not JSON, or is malformed', async () => {
      const missing = await evidence(['verify-consistency', file('y', '') + '.missing']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('无法读取 cannot read');
      const notJson = await evidence(['verify-consistency', file('not.json', '{"alg":'), '--json']);
      expect(notJson.code).toBe(2);
      expect(jsonLines(notJson.stdout)[0]).toMatchObject({ consistent: false, error: 'malformed' });
      const upper = { ...v2.consistency[1]!, firstRoot: v2.consistency[1]!.firstRoot.toUpperCase() };
      const malformed = await evidence(['verify-consistency', file('upper.json', upper)]);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('格式错误 malformed: firstRoot must be lowercase hex');
    });
  });

  describe('from a gateway', () => {
    it('asks GET /v1/log/consistency?first=M&second=N with the bearer token, and verifies the answer', async () => {
      seen.length = 0;
      const r = await ask('honest', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(seen).toEqual([{ path: '/v1/log/consistency?first=5&second=11', auth: `Bearer ${TOKEN}` }]);
      expect(jsonLines(r.stdout)[0]).toMatchObject({ source: `${url}/v1/log/consistency?first=5&second=11`, consistent: true, first: 5, second: 11 });
    });

    it('the token may come from EVIDENCE_GATEWAY_TOKEN', async () => {
      mode = 'honest';
      const r = await evidence(['verify-consistency', '--gateway', url, '--from', '5', '--to', '11'], { ...process.env, EVIDENCE_GATEWAY_TOKEN: TOKEN });
      expect(r.code).toBe(0);
    });

    it('--first-root: the root of size M seen earlier matches an honest gateway', async () => {
      const pinned = proofDoc(leaves, 5, 11).firstRoot;
      expect((await ask('honest', '--first-root', pinned)).code).toBe(0);
    });

    it('--first-root: a gateway that rewrote batch 4 answers a self-consistent proof, refused as a rewritten log', async () => {
      // Without the pin, the forked history is internally consistent: nothing to see.
      expect((await ask('forked')).code).toBe(0);
      const pinned = proofDoc(leaves, 5, 11).firstRoot;
      const r = await ask('forked', '--first-root', pinned);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ 日志被改写 LOG REWRITTEN');
      expect(r.stdout).toContain('the log was rewritten');
      const j = await ask('forked', '--first-root', pinned, '--json');
      expect(jsonLines(j.stdout)[0]).toMatchObject({ consistent: false, reason: 'rewritten' });
    });

    it('a proof that does not hold: exit 1', async () => {
      const r = await ask('bad-proof', '--json');
      expect(r.code).toBe(1);
      expect(jsonLines(r.stdout)[0]).toMatchObject({ consistent: false, reason: 'inconsistent' });
    });

    it('exit 2 when the gateway answers other sizes, not JSON, refuses the token, or is down', async () => {
      const other = await ask('other-sizes', '--json');
      expect(other.code).toBe(2);
      expect(jsonLines(other.stdout)[0]).toMatchObject({ error: 'malformed', message: 'asked for sizes 5 → 11, the gateway answered 5 → 10' });
      expect((await ask('not-json')).code).toBe(2);
      mode = 'honest';
      const refused = await evidence(['verify-consistency', '--gateway', url, '--from', '5', '--to', '11', '--token', 'wrong', '--json']);
      expect(refused.code).toBe(2);
      expect(jsonLines(refused.stdout)[0]).toMatchObject({ error: 'unreachable', message: expect.stringContaining('answered 401') });
      const down = await evidence(['verify-consistency', '--gateway', 'http://127.0.0.1:9', '--from', '1', '--to', '2']);
      expect(down.code).toBe(2);
      expect(down.stderr).toContain('网关不可达 gateway unreachable');
    });
  });

  it.each<[string, string[]]>([
    ['no FILE and no --gateway', []],
    ['both a FILE and --gateway', ['x.json', '--gateway', 'http://127.0.0.1:1', '--from', '1', '--to', '2']],
    ['--gateway without --to', ['--gateway', 'http://127.0.0.1:1', '--from', '1']],
    ['--from 0', ['--gateway', 'http://127.0.0.1:1', '--from', '0', '--to', '2']],
    ['--to below --from', ['--gateway', 'http://127.0.0.1:1', '--from', '3', '--to', '2']],
    ['--from not a number', ['--gateway', 'http://127.0.0.1:1', '--from', '1e3', '--to', '2000']],
    ['--from with a FILE', ['x.json', '--from', '1']],
    ['--first-root in uppercase', ['x.json', '--first-root', 'AB'.repeat(32)]],
    ['a gateway that is not a URL', ['--gateway', 'gateway.example', '--from', '1', '--to', '2']],
  ])('usage error, exit 2: %s', async (_why, args) => {
    const r = await evidence(['verify-consistency', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('用法错误 usage error');
  });
});
