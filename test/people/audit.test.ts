/**
 * The regulator's audit against a real local chain (Hardhat JSON-RPC):
 * - a real gateway anchoring checkpoints of its batch log: `evidence audit`
 *   (the CLI as a process) and GET /v1/audit find nothing wrong; with
 *   --state the second run audits only what was added, and a state file the
 *   chain does not hold is a finding;
 * - a dishonest gateway's version 1 history planted beside a real chain: the
 *   chain holds batches 0..5 of a gateway whose key was rotated at seq 3,
 *   batch 4 signed with the rotated-out key (the contract cannot check SM2,
 *   the audit must); the gateway serves a different header for batch 1 (a
 *   fork), cannot produce batch 2 (a gap) and holds batch 6 that it never
 *   anchored. The CLI names each;
 * - a dishonest gateway's version 2 history: checkpoints 3, 6 and 9 of its log
 *   anchored on chain, then batch 4 rewritten and re-signed while its log
 *   store keeps the anchored entry, and a checkpoint it lists as anchored that
 *   the chain never took. The CLI names the batch and the checkpoint.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consistencyRanges,
  entityId,
  generateSm2KeyPair,
  hashChildren,
  hashFor,
  headerHash,
  inclusionRanges,
  logLeafHash,
  signCheckpoint,
  signHeader,
  splitPoint,
  toHex,
  verifyBundle,
  ZERO32,
  type BatchHeader,
  type Checkpoint,
  type ProofBundle,
} from '@evidence/core';
import { localAccounts, rotateGatewayKey } from '@evidence/contracts';
import { Wallet, JsonRpcProvider } from 'ethers';
import { mixedEvent } from '../gateway/support/events.js';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { baseEnv, DEV_TOKEN, evmEnv, gatewayPublicKey, settled, startGateway, tempDir, type RunningGateway } from '../gateway/support/gateway.js';

const BIN = fileURLToPath(new URL('../../core/bin/evidence.js', import.meta.url));

interface AuditJson {
  ok: boolean;
  anchored: number;
  closed: number;
  gatewayChecked: boolean;
  findings: { type: string; source: string; seq: number; through?: number; severity: string; message: string }[];
  counts: Record<string, number>;
  anchoredOneByOne: number;
  log: { checkpoints: number; size: number };
  audited: { from: number; to: number };
  resumedFrom: number | null;
  stateSaved: number | null;
}

const keccak = hashFor('keccak256');

/** The Merkle Tree Hash of log leaf hashes, written out for the planted log. */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return hashChildren(keccak, mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
const rangeHash = (leaves: readonly Uint8Array[]) => (r: readonly [number, number]) => mth(leaves.slice(r[0], r[1]));

async function audit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'audit', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('regulator audit against a local chain', () => {
  let evm: RpcEvm;
  const dir = tempDir('audit-');

  beforeAll(async () => {
    evm = await rpcEvm();
  }, 120_000);
  afterAll(async () => {
    await evm?.close();
    dir.remove();
  });

  describe('an honest gateway', () => {
    let gw: RunningGateway;
    beforeAll(async () => {
      const dataDir = join(dir.path, 'honest');
      await evm.register('H330100001', await gatewayPublicKey(dataDir), 1);
      gw = await startGateway(baseEnv('H330100001', dataDir, { ...evmEnv(evm.rpcUrl, evm.address, accountKey(1), evm.deployment.block), BATCH_MAX_AGE_MS: '50' }));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) expect((await gw.client.post('/v1/evidence', mixedEvent(round * 4 + i, 'audit'))).status).toBe(202);
        await settled(gw.client);
      }
    }, 120_000);
    afterAll(() => gw?.close());

    it('evidence audit --json: every batch anchored, chained and signed with the registered key', async () => {
      const r = await audit('--gateway', 'H330100001', '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', gw.url, '--token', DEV_TOKEN, '--json');
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as AuditJson;
      expect(report.ok).toBe(true);
      expect(report.gatewayChecked).toBe(true);
      expect(report.anchored).toBeGreaterThanOrEqual(3);
      expect(report.closed).toBe(report.anchored);
      expect(report.findings).toEqual([]);
      // Anchored by checkpoints of its batch log, not batch by batch.
      expect(report.anchoredOneByOne).toBe(0);
      expect(report.log.checkpoints).toBeGreaterThanOrEqual(1);
      expect(report.log.size).toBe(report.anchored);
      // No progress bar in a pipe.
      expect(r.stderr).not.toContain('█');
    });

    it('--state: the second run audits only what was added since the first; a state the chain does not hold is a finding', async () => {
      const file = join(dir.path, 'honest-state.json');
      const args = ['--gateway', 'H330100001', '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', gw.url, '--token', DEV_TOKEN, '--state', file, '--json'];
      const first = JSON.parse((await audit(...args)).stdout) as AuditJson;
      expect(first).toMatchObject({ ok: true, resumedFrom: null, stateSaved: first.log.size });
      for (let i = 0; i < 3; i++) expect((await gw.client.post('/v1/evidence', mixedEvent(100 + i, 'audit'))).status).toBe(202);
      await settled(gw.client);
      const second = await audit(...args);
      expect(second.code, second.stderr).toBe(0);
      const resumed = JSON.parse(second.stdout) as AuditJson;
      expect(resumed).toMatchObject({ ok: true, findings: [], resumedFrom: first.log.size, audited: { from: first.log.size, to: resumed.closed } });
      expect(resumed.log.size).toBeGreaterThan(first.log.size);

      const state = JSON.parse(readFileSync(file, 'utf8')) as { checkpoint: { root: string } };
      writeFileSync(file, JSON.stringify({ ...state, checkpoint: { ...state.checkpoint, root: 'ab'.repeat(32) } }));
      const stale = await audit(...args);
      expect(stale.code).toBe(1);
      const report = JSON.parse(stale.stdout) as AuditJson;
      expect(report.findings.map((f) => [f.type, f.source])).toEqual([['state-mismatch', 'chain']]);
      expect(report).toMatchObject({ resumedFrom: null, audited: { from: 0 } });
      writeFileSync(file, '{"format":"something else"}');
      expect((await audit(...args)).code).toBe(2);
    });

    it('the human report, bilingual', async () => {
      const r = await audit('--gateway', toHex(entityId('H330100001')), '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', gw.url, '--token', DEV_TOKEN);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/链上已锚定 anchored on chain: \d+ · 网关已封批 closed at the gateway: \d+/);
      expect(r.stdout).toContain('结果 result: 通过 PASSED');
    });

    it('GET /v1/audit: the same audit run by the gateway', async () => {
      const r = await gw.client.get<AuditJson>('/v1/audit');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ ok: true, findings: [], gateway: toHex(entityId('H330100001')), resumedFrom: null });
      expect(r.body.anchored).toBeGreaterThanOrEqual(3);
      // The gateway remembers its last clean run: the next one starts there, unless full=1.
      const again = await gw.client.get<AuditJson>('/v1/audit');
      expect(again.body).toMatchObject({ ok: true, resumedFrom: r.body.log.size });
      expect((await gw.client.get<AuditJson>('/v1/audit?full=1')).body).toMatchObject({ ok: true, resumedFrom: null, audited: { from: 0 } });
      expect((await gw.client.get('/v1/audit?graceSeconds=abc')).body).toMatchObject({ code: 'VALIDATION_FAILED' });
      const anonymous = await fetch(`${gw.url}/v1/audit`);
      expect(anonymous.status).toBe(401);
    });

    it('GET /v1/supervision/feed: anchored headers and supervision evidence with proofs, page by page', async () => {
      type Feed = {
        gateway: { id: string };
        anchoredHead: number;
        batches: { seq: number; header: BatchHeader; headerHash: string; signature: { value: string }; anchor: { txHash: string } | null; supervision: ProofBundle[] }[];
        next: number;
        more: boolean;
      };
      const heads = await gw.client.heads();
      const pages: Feed[] = [];
      let after = -1;
      for (;;) {
        const r = await gw.client.get<Feed>(`/v1/supervision/feed?after=${after}&limit=1`);
        expect(r.status).toBe(200);
        pages.push(r.body);
        after = r.body.next;
        if (!r.body.more) break;
      }
      const batches = pages.flatMap((p) => p.batches);
      expect(batches.map((b) => b.seq)).toEqual(Array.from({ length: heads.anchored + 1 }, (_, i) => i));
      for (const [i, b] of batches.entries()) {
        expect(b.headerHash).toBe(toHex(headerHash(b.header)));
        expect(b.header.prev).toBe(i === 0 ? toHex(ZERO32) : batches[i - 1]!.headerHash);
        expect(b.anchor?.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      }
      const bundles = batches.flatMap((b) => b.supervision);
      expect(bundles.length).toBe(1); // mixedEvent 11 of the 12 recorded is the supervision report
      for (const bundle of bundles) {
        expect(verifyBundle(bundle)).toMatchObject({ valid: true });
        expect(bundle.leaf.kind).toBe(12);
        expect(bundle.disclosure?.payload).toMatchObject({ platform: expect.any(String), reportId: expect.any(String) });
      }
      // Past the head: an empty page, same cursor.
      const end = await gw.client.get<Feed>(`/v1/supervision/feed?after=${heads.anchored}`);
      expect(end.body).toMatchObject({ batches: [], next: heads.anchored, more: false });
      expect((await gw.client.get('/v1/supervision/feed?after=-2')).body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await gw.client.get('/v1/supervision/feed?cursor=1')).body).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('usage errors and an unreachable gateway exit 2', async () => {
      expect((await audit('--rpc', evm.rpcUrl)).code).toBe(2);
      expect((await audit('--gateway', 'H330100001')).code).toBe(2);
      const wrong = await audit('--gateway', 'H330100009', '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', gw.url, '--token', DEV_TOKEN);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('is H330100001');
      const down = await audit('--gateway', 'H330100001', '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', 'http://127.0.0.1:9', '--json');
      expect(down.code).toBe(2);
      expect(down.stderr).toContain('gateway unreachable');
      const noToken = await audit('--gateway', 'H330100001', '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', gw.url);
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toMatch(/answered 401/);
    });
  });

  describe('a dishonest gateway: gap, fork, rotated-out key, never anchored', () => {
    const code = 'H330100002';
    const gateway = toHex(entityId(code));
    const oldKey = generateSm2KeyPair();
    const newKey = generateSm2KeyPair();
    let server: http.Server;
    let url: string;

    beforeAll(async () => {
      await evm.register(code, oldKey.publicKey, 2);
      const anchor = evm.anchorFor(2);
      const provider = new JsonRpcProvider(evm.rpcUrl, 31337, { staticNetwork: true });
      const governor = new Wallet(localAccounts()[0]!.privateKey, provider);
      const served: { header: BatchHeader; signature: string; publicKey: string }[] = [];
      let prev = toHex(ZERO32);
      for (let seq = 0; seq < 7; seq++) {
        if (seq === 3) await rotateGatewayKey({ signer: governor, address: evm.address }, { gateway, publicKey: newKey.publicKey });
        const header: BatchHeader = { v: 1, gateway, seq, alg: 'keccak256', size: 2, root: toHex(entityId(`root ${seq}`)), prev, closedAt: Date.now() - 3_600_000 };
        // Batch 4 is signed with the key rotated out at seq 3; the chain takes it (no SM2 on chain).
        const key = seq < 3 || seq === 4 ? oldKey : newKey;
        const signature = signHeader(header, key.privateKey, key.publicKey);
        if (seq < 6) await anchor.anchor(header, signature); // batch 6: held, never anchored
        served.push({ header, signature: toHex(signature), publicKey: key.publicKey });
        prev = toHex(headerHash(header));
      }
      provider.destroy();
      // What the gateway serves: another batch 1 (re-signed, so only the comparison with the chain shows it), no batch 2.
      const forked = { ...served[1]!.header, root: toHex(entityId('rewritten history')) };
      served[1] = { header: forked, signature: toHex(signHeader(forked, oldKey.privateKey)), publicKey: oldKey.publicKey };

      server = http.createServer((req, res) => {
        const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/v1/gateway') return send(200, { code, id: gateway, publicKey: newKey.publicKey });
        if (req.url === '/v1/batches') return send(200, { closed: 6, anchored: 5, pendingLeaves: 0 });
        const m = /^\/v1\/batches\/(\d+)$/.exec(req.url ?? '');
        const b = m && Number(m[1]) !== 2 ? served[Number(m[1])] : undefined;
        if (!b) return send(404, { code: 'BATCH_NOT_FOUND', message: 'no such batch' });
        return send(200, { header: b.header, headerHash: toHex(headerHash(b.header)), signature: { alg: 'sm2', publicKey: b.publicKey, value: b.signature }, anchored: true, anchor: null, ids: [] });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }, 120_000);
    afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    it('names the fork, the gap, the rotated-out key and the batch never anchored; exit 1', async () => {
      const r = await audit('--gateway', code, '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', url, '--json');
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as AuditJson;
      expect(report.ok).toBe(false);
      expect(report.anchored).toBe(6);
      expect(report.closed).toBe(7);
      expect(report.findings.map((f) => [f.type, f.source, f.seq])).toEqual([
        ['fork', 'both', 1],
        ['gap', 'gateway', 2],
        ['rotated-key', 'both', 4],
        ['unanchored', 'gateway', 6],
      ]);
      expect(report.counts).toMatchObject({ fork: 1, gap: 1, 'rotated-key': 1, unanchored: 1, 'bad-signature': 0 });
    });

    it('the human report lists each finding', async () => {
      const r = await audit('--gateway', code, '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', url);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/✗ seq 1 分叉 fork \[both\]/);
      expect(r.stdout).toMatch(/✗ seq 2 缺号 gap \[gateway\]/);
      expect(r.stdout).toMatch(/✗ seq 4 已轮换密钥签名 rotated-out key \[both\]/);
      expect(r.stdout).toMatch(/✗ seq 6 未锚定 never anchored \[gateway\]/);
      expect(r.stdout).toContain('结果 result: 未通过 FAILED');
    });

    it('chain only (no --gateway-url): the chain itself is contiguous', async () => {
      const r = await audit('--gateway', code, '--rpc', evm.rpcUrl, '--contract', evm.address, '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, anchored: 6, gatewayChecked: false, findings: [] });
    });
  });

  describe('a dishonest gateway on version 2: a header rewritten after it was anchored, a checkpoint the chain never took', () => {
    const code = 'H330100003';
    const gateway = toHex(entityId(code));
    const key = generateSm2KeyPair();
    let server: http.Server;
    let url: string;

    beforeAll(async () => {
      await evm.register(code, key.publicKey, 3);
      const anchor = evm.anchorFor(3);
      const headers: BatchHeader[] = [];
      let prev = toHex(ZERO32);
      for (let seq = 0; seq < 10; seq++) {
        headers.push({ v: 1, gateway, seq, alg: 'keccak256', size: 2, root: toHex(entityId(`v2 root ${seq}`)), prev, closedAt: Date.now() - 3_600_000 });
        prev = toHex(headerHash(headers[seq]!));
      }
      const leaves = headers.map(logLeafHash);
      const checkpointOf = (size: number): Checkpoint => ({ gateway, alg: 'keccak256', size, root: toHex(mth(leaves.slice(0, size))), ts: Date.now() });
      const listed = [3, 6, 9].map(checkpointOf);
      let from = 0;
      for (const cp of listed) {
        await anchor.anchorCheckpoint(cp, from === 0 ? [] : consistencyRanges(from, cp.size).map(rangeHash(leaves)));
        from = cp.size;
      }
      anchor.close();
      // Listed as anchored, never sent: its root is the log's at 10, the chain's latest is 9.
      listed.push(checkpointOf(10));
      const served = headers.map((header) => ({ header, signature: toHex(signHeader(header, key.privateKey)), publicKey: key.publicKey }));
      const rewritten = { ...headers[4]!, root: toHex(entityId('rewritten after anchoring')) };
      served[4] = { header: rewritten, signature: toHex(signHeader(rewritten, key.privateKey)), publicKey: key.publicKey };

      server = http.createServer((req, res) => {
        const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        const u = new URL(req.url ?? '/', 'http://x');
        const n = (name: string) => Number(u.searchParams.get(name));
        if (u.pathname === '/v1/gateway') return send(200, { code, id: gateway, publicKey: key.publicKey });
        if (u.pathname === '/v1/batches') return send(200, { closed: 9, anchored: 8, pendingLeaves: 0 });
        const m = /^\/v1\/batches\/(\d+)$/.exec(u.pathname);
        if (m) {
          const b = served[Number(m[1])];
          if (!b) return send(404, { code: 'BATCH_NOT_FOUND', message: 'no such batch' });
          return send(200, { header: b.header, headerHash: toHex(headerHash(b.header)), signature: { alg: 'sm2', publicKey: b.publicKey, value: b.signature }, anchored: true, anchor: null, ids: [] });
        }
        // The log store still holds the anchored entries: its proofs are those of the original log.
        if (u.pathname === '/v1/log/inclusion') {
          return send(200, { alg: 'keccak256', seq: n('seq'), size: n('size'), leafHash: toHex(leaves[n('seq')]!), path: inclusionRanges(n('seq'), n('size')).map(rangeHash(leaves)).map(toHex) });
        }
        if (u.pathname === '/v1/log/consistency') {
          return send(200, { alg: 'keccak256', first: n('first'), second: n('second'), proof: consistencyRanges(n('first'), n('second')).map(rangeHash(leaves)).map(toHex) });
        }
        if (u.pathname === '/v1/log/checkpoints') {
          const page = listed.filter((c) => c.size > n('after'));
          const body = page.map((checkpoint) => ({ checkpoint, signature: { alg: 'sm2', publicKey: key.publicKey, value: toHex(signCheckpoint(checkpoint, key.privateKey)) }, cosignatures: [], anchor: null, anchoredAt: null }));
          return send(200, { checkpoints: body, next: page.at(-1)?.size ?? n('after'), more: false });
        }
        return send(404, { code: 'NOT_FOUND', message: u.pathname });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }, 120_000);
    afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    it('names the rewritten batch with the leaf the anchored log holds, the broken link after it, and the checkpoint not on chain; exit 1', async () => {
      const r = await audit('--gateway', code, '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', url, '--json');
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as AuditJson;
      expect(report).toMatchObject({ anchored: 9, closed: 10, anchoredOneByOne: 0, log: { checkpoints: 3, size: 9 } });
      expect(report.findings.map((f) => [f.type, f.source, f.seq, f.severity])).toEqual([
        ['log-mismatch', 'both', 4, 'error'],
        ['fork', 'gateway', 5, 'error'],
        ['checkpoint-not-on-chain', 'both', 9, 'error'],
        ['unanchored', 'gateway', 9, 'error'],
      ]);
      expect(report.findings[0]!.message).toMatch(/not the entry the log anchored at size 6 holds/);
    });

    it('the human report names them in both languages', async () => {
      const r = await audit('--gateway', code, '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', url);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/批次日志 batch log: 已锚定检查点 anchored checkpoints 3 · 日志大小 log size 9/);
      expect(r.stdout).toMatch(/✗ seq 4 不在已锚定日志中 not in the anchored log \[both\]/);
      expect(r.stdout).toMatch(/✗ seq 9 检查点不在链上 checkpoint not on chain \[both\]/);
    });
  });
});
