/**
 * The regulator's audit against a real local chain (Hardhat JSON-RPC):
 * - a real gateway anchoring its batches: `evidence audit` (the CLI as a
 *   process) and GET /v1/audit find nothing wrong;
 * - a dishonest gateway's history planted beside a real chain: the chain holds
 *   batches 0..5 of a gateway whose key was rotated at seq 3, batch 4 signed
 *   with the rotated-out key (the contract cannot check SM2, the audit must);
 *   the gateway serves a different header for batch 1 (a fork), cannot produce
 *   batch 2 (a gap) and holds batch 6 that it never anchored. The CLI names each.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityId, generateSm2KeyPair, headerHash, signHeader, toHex, verifyBundle, ZERO32, type BatchHeader, type ProofBundle } from '@evidence/core';
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
  findings: { type: string; source: string; seq: number; severity: string; message: string }[];
  counts: Record<string, number>;
}

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
      // No progress bar in a pipe.
      expect(r.stderr).not.toContain('█');
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
      expect(r.body).toMatchObject({ ok: true, findings: [], gateway: toHex(entityId('H330100001')) });
      expect(r.body.anchored).toBeGreaterThanOrEqual(3);
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
});
