/**
 * A gateway whose history is rewritten on disk after it was anchored: a batch
 * header changed and re-signed with the gateway's own key (what an insider
 * with the data folder and the keys can do).
 * - Header only, the stored log left alone: the gateway still starts (its log
 *   root matches the chain), and the regulator's audit names the batch.
 * - Header and log rebuilt to match: the gateway refuses to anchor at start
 *   (its log is not the one the chain holds), and the chain itself refuses a
 *   checkpoint of the rewritten log (its consistency proof cannot hold).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityId, fromHex, headerHash, signCheckpoint, signHeader, toHex } from '@evidence/core';
import { loadOrCreateKeys } from '@evidence/gateway';
import { decodeBatch, encodeBatch, seqKey } from '../../gateway/src/adapters/level/codec.js';
import { LevelStore } from '@evidence/gateway';
import { BatchLog } from '../../gateway/src/log/batch-log.js';
import { accountKey, rpcEvm, type RpcEvm } from './support/evm.js';
import { mixedEvent } from './support/events.js';
import { baseEnv, DEV_TOKEN, evmEnv, gatewayPublicKey, settled, spawnGateway, tempDir } from './support/gateway.js';

const BIN = fileURLToPath(new URL('../../core/bin/evidence.js', import.meta.url));

async function audit(...args: string[]): Promise<{ code: number; report: { ok: boolean; findings: { type: string; seq: number }[] } }> {
  const run = await promisify(execFile)(process.execPath, [BIN, 'audit', ...args, '--json']).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return { code: run.code, report: JSON.parse(run.stdout) as { ok: boolean; findings: { type: string; seq: number }[] } };
}

/** Rewrites batch `seq`'s header in the data folder (closedAt moved by 1 ms) and re-signs it with the gateway's key. */
async function rewriteHeader(dataDir: string, seq: number): Promise<void> {
  const { sm2 } = await loadOrCreateKeys(dataDir);
  const db = new ClassicLevel<string, Uint8Array>(join(dataDir, 'db'), { valueEncoding: 'view' });
  const batch = decodeBatch((await db.get(`b!${seqKey(seq)}`))!);
  const header = { ...batch.header, closedAt: batch.header.closedAt + 1 };
  await db.put(`b!${seqKey(seq)}`, encodeBatch({ ...batch, header, signature: toHex(signHeader(header, sm2.privateKey)), headerHash: toHex(headerHash(header)) }));
  await db.close();
}

/** Drops the stored batch log, so the next start rebuilds it from the (rewritten) headers. */
async function dropLog(dataDir: string): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(join(dataDir, 'db'), { valueEncoding: 'view' });
  for await (const key of db.keys({ gt: 'l!', lt: 'l"' })) await db.del(key);
  await db.del('m!log');
  await db.close();
}

describe('a batch log rewritten on disk after anchoring', () => {
  let evm: RpcEvm;
  const dir = tempDir('gw-rewrite-');
  const code = 'HREWRITE1';
  const gateway = toHex(entityId(code));
  const data = join(dir.path, 'gw');
  const env = () => ({ ...baseEnv(code, data, { BATCH_MAX_AGE_MS: '100' }), ...evmEnv(evm.rpcUrl, evm.address, accountKey(2), evm.deployment.block) });

  beforeAll(async () => {
    evm = await rpcEvm({ blockTimeMs: 1000 });
    await evm.register(code, await gatewayPublicKey(data), 2);
    const gw = await spawnGateway(env());
    for (let round = 0; round < 4; round++) {
      expect((await gw.client.post('/v1/evidence/batch', { items: [0, 1, 2].map((i) => mixedEvent(round * 3 + i, 'rewrite')) })).status).toBe(202);
      await settled(gw.client);
    }
    await gw.close();
  }, 180_000);
  afterAll(async () => {
    await evm?.close();
    dir.remove();
  });

  it('header only: the gateway starts, and the audit names the rewritten batch', async () => {
    await rewriteHeader(data, 1);
    const gw = await spawnGateway(env());
    try {
      const r = await audit('--gateway', code, '--rpc', evm.rpcUrl, '--contract', evm.address, '--gateway-url', gw.url, '--token', DEV_TOKEN);
      expect(r.code).toBe(1);
      expect(r.report.ok).toBe(false);
      expect(r.report.findings).toContainEqual(expect.objectContaining({ type: 'log-mismatch', seq: 1 }));
    } finally {
      await gw.close();
    }
  }, 120_000);

  it('header and log: the gateway halts anchoring at start, and the chain refuses a checkpoint of the rewritten log', async () => {
    await dropLog(data);
    const gw = await spawnGateway(env());
    try {
      for (let i = 0; ; i++) {
        const health = (await gw.client.get<{ status: string; anchoring: { state: string; problem?: string } }>('/healthz')).body;
        if (health.anchoring.state === 'halted') {
          expect(health).toMatchObject({ status: 'degraded', anchoring: { problem: 'CHAIN_FORK' } });
          break;
        }
        if (i > 100) throw new Error(`anchoring did not halt: ${JSON.stringify(health)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Intake goes on while anchoring is halted: the rewritten log grows past the anchored size.
      const before = (await gw.client.heads()).closed;
      expect((await gw.client.post('/v1/evidence/batch', { items: [0, 1].map((i) => mixedEvent(100 + i, 'rewrite')) })).status).toBe(202);
      while ((await gw.client.heads()).closed === before) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await gw.close();
    }

    // Whoever holds the keys and the account still cannot get the rewritten log onto the chain.
    const store = await LevelStore.open(join(data, 'db'));
    try {
      const log = await BatchLog.open(store, 'keccak256');
      const anchored = (await evm.anchorFor(2).latestCheckpoint(gateway))!;
      expect(await log.root(anchored.size)).not.toBe(anchored.root);
      const { sm2 } = await loadOrCreateKeys(data);
      expect(log.size).toBeGreaterThan(anchored.size);
      const checkpoint = { gateway, alg: 'keccak256' as const, size: log.size, root: await log.root(), ts: Date.now() };
      const proof = (await log.consistencyProof(anchored.size, log.size)).map((h) => fromHex(h, 32));
      const attempt = evm.anchorFor(2).anchorCheckpoint(checkpoint, proof, signCheckpoint(checkpoint, sm2.privateKey));
      await expect(attempt).rejects.toMatchObject({ code: 'ANCHOR_INCONSISTENT' });
    } finally {
      await store.close();
    }
  }, 120_000);
});
