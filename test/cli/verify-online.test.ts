/** `evidence verify --rpc`: the online anchor check against a real local chain. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateSm2KeyPair, signHeader, toHex } from '@evidence/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchoredFixture, type AnchoredFixture } from '../support/anchored-bundle.js';

const BIN = fileURLToPath(new URL('../../core/bin/evidence.js', import.meta.url));

async function evidence(...args: string[]): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  let stdout: string;
  let code = 0;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [BIN, ...args]));
  } catch (e) {
    ({ stdout } = e as { stdout: string });
    if (process.env.DEBUG_CLI) console.error((e as { stderr: string }).stderr);
    code = (e as { code: number }).code;
  }
  return { code, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('evidence verify --rpc against a local chain', () => {
  let f: AnchoredFixture;
  let dir: string;
  const write = (name: string, v: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(v));
    return p;
  };

  beforeAll(async () => {
    f = await anchoredFixture();
    dir = mkdtempSync(join(tmpdir(), 'verify-online-'));
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  it('accepts an anchored bundle, offline and online', async () => {
    const r = await evidence('verify', '--json', '--rpc', f.chain.rpcUrl, '--contract', f.deployment.contracts.EvidenceAnchor, write('ok.json', f.bundle));
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatchObject({ valid: true, failedStep: null, anchor: { anchored: true } });
  });

  it('refuses a bundle whose key is not the gateway registered key, though offline it is self-consistent', async () => {
    const impostor = generateSm2KeyPair();
    const forged = {
      ...f.bundle,
      signature: { alg: 'sm2', publicKey: impostor.publicKey, value: toHex(signHeader(f.bundle.batch, impostor.privateKey)) },
    };
    const offline = await evidence('verify', '--json', write('forged.json', forged));
    expect(offline.code).toBe(0);
    const online = await evidence('verify', '--json', '--rpc', f.chain.rpcUrl, '--contract', f.deployment.contracts.EvidenceAnchor, write('forged2.json', forged));
    expect(online.code).toBe(1);
    expect(online.lines[0]).toMatchObject({ valid: false, failedStep: 'anchor', anchor: { anchored: false, reason: 'key-mismatch' } });
  });

  it('refuses a re-signed batch that was never anchored', async () => {
    const k = f.gatewayKey;
    const batch = { ...f.bundle.batch, seq: 5 };
    const never = { ...f.bundle, batch, signature: { ...f.bundle.signature, value: toHex(signHeader(batch, k.privateKey, k.publicKey)) } };
    const r = await evidence('verify', '--json', '--rpc', f.chain.rpcUrl, '--contract', f.deployment.contracts.EvidenceAnchor, write('never.json', never));
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatchObject({ failedStep: 'anchor', anchor: { reason: 'not-anchored' } });
  });

  it('exits 2 when --rpc has no contract to ask', async () => {
    const r = await evidence('verify', '--json', '--rpc', f.chain.rpcUrl, write('x.json', f.bundle));
    expect(r.code).toBe(2);
  });
});
