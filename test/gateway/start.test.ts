/**
 * `npm start` as a user runs it (scripts/start.ts in a child process, in a
 * temporary state folder): the chain, the contracts, two gateways and
 * stack.json with its witnesses (the routing node and both gateways); an
 * event recorded and proven, its checkpoint cosigned by the quorum of the
 * others and verified with stack.json's witnesses as the policy; Ctrl-C
 * stops everything; after a restart the chain still holds what was anchored,
 * so old proofs still verify online.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAnchor, verifyBundle, type AnyProofBundle, type ProofBundleV2 } from '@evidence/core';
import { createEvmAnchor } from '@evidence/contracts';
import { mixedEvent } from './support/events.js';
import { GatewayClient, settled, tempDir } from './support/gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Stack {
  rpcUrl: string;
  chainId: number;
  contracts: { EvidenceAnchor: string; ConsentRegistry: string; ClaimVerifier: string; CredentialRegistry: string };
  gateways: { code: string; id: string; url: string; token: string }[];
  witnesses: { code: string; id: string; url: string; publicKey: string }[];
  witnessQuorum: number;
}

async function start(dir: string): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  let out = '';
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/start.ts', '--gateways', '2', '--chain-port', '0', '--gateway-port', '0', '--dir', dir], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const end = Date.now() + 120_000;
  while (!out.includes('Evidence network is up')) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => out, exited };
}

describe('npm start', () => {
  const dir = tempDir('stack-');
  const running: ChildProcess[] = [];
  afterAll(() => {
    for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
    dir.remove();
  });

  it('starts the network, records and proves, stops on Ctrl-C, and keeps chain and data across a restart', async () => {
    const first = await start(dir.path);
    running.push(first.child);
    expect(first.output()).toMatch(/Evidence network is up \/ 存证网络已启动/);
    expect(first.output()).toMatch(/curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/v1\/evidence/);
    const stack = JSON.parse(readFileSync(`${dir.path}/stack.json`, 'utf8')) as Stack;
    expect(stack).toMatchObject({ rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), chainId: 31337 });
    expect(Object.keys(stack.contracts).sort()).toEqual(['ClaimVerifier', 'ConsentRegistry', 'CredentialRegistry', 'EvidenceAnchor']);
    expect(stack.gateways.map((g) => g.code)).toEqual(['H330100001', 'H330100002']);
    // The routing node and both gateways witness; each gateway serves its witness at its own URL.
    expect(stack.witnesses.map((w) => w.code)).toEqual(['RN-ZJ-01', 'H330100001', 'H330100002']);
    expect(stack.witnessQuorum).toBe(2);
    // All three hold the witness role on chain, so a court can export its policy from the registry.
    for (const code of ['RN-ZJ-01', 'H330100001', 'H330100002']) expect(first.output()).toContain(`witness role given to ${code} on chain`);
    for (const g of stack.gateways) {
      const w = stack.witnesses.find((x) => x.id === g.id)!;
      expect(w.url).toBe(g.url);
      expect(await (await fetch(`${g.url}/v1/witness`)).json()).toEqual({ id: g.id, publicKey: w.publicKey, toleranceMs: 10_000 });
    }
    const policy = { quorum: stack.witnessQuorum, witnesses: stack.witnesses.map(({ id, publicKey, code }) => ({ id, publicKey, code })) };

    const proofs: AnyProofBundle[] = [];
    for (const g of stack.gateways) {
      const client = new GatewayClient(g.url, g.token);
      const docs = await fetch(`${g.url}/docs/json`);
      expect(((await docs.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty('/v1/evidence');
      const r = await client.post<{ id: string }>('/v1/evidence', mixedEvent(4, g.code));
      expect(r.status).toBe(202);
      await settled(client, 30_000);
      const p = await client.proof(r.body.id);
      expect(p.status).toBe(200);
      proofs.push(p.body);
    }
    const anchor = createEvmAnchor({ rpcUrl: stack.rpcUrl, address: stack.contracts.EvidenceAnchor });
    for (const [i, p] of proofs.entries()) {
      expect(verifyBundle(p)).toMatchObject({ valid: true });
      // Cosigned by the other two (never by the gateway itself), which a court's policy of stack.json's witnesses accepts.
      const cosigners = (p as ProofBundleV2).log.cosignatures.map((c) => c.witness).sort();
      expect(cosigners).toEqual(stack.witnesses.filter((w) => w.id !== stack.gateways[i]!.id).map((w) => w.id).sort());
      expect(verifyBundle(p, { witnesses: policy })).toMatchObject({ valid: true });
      expect(await checkAnchor(p, anchor)).toMatchObject({ anchored: true });
    }
    anchor.close();

    // Ctrl-C stops the gateways and the chain.
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    await expect(fetch(`${stack.gateways[0]!.url}/healthz`)).rejects.toThrow();
    await expect(fetch(stack.rpcUrl, { method: 'POST' })).rejects.toThrow();

    // Restarted: the chain is replayed from its journal, the gateways reopen their data.
    const second = await start(dir.path);
    running.push(second.child);
    expect(second.output()).toMatch(/[1-9]\d* journaled entries replayed/);
    expect(second.output()).toMatch(/contracts reused/);
    expect(second.output()).not.toMatch(/witness role given|predate witness registration/);
    const again = JSON.parse(readFileSync(`${dir.path}/stack.json`, 'utf8')) as Stack;
    expect(again.contracts).toEqual(stack.contracts);
    expect(again.gateways.map((g) => g.token)).toEqual(stack.gateways.map((g) => g.token));
    const anchorAgain = createEvmAnchor({ rpcUrl: again.rpcUrl, address: again.contracts.EvidenceAnchor });
    for (const [i, p] of proofs.entries()) {
      expect(await checkAnchor(p, anchorAgain)).toMatchObject({ anchored: true });
      const g = again.gateways[i]!;
      const served = await new GatewayClient(g.url, g.token).proof(p.leaf.id);
      expect(served.body.anchor).toEqual(p.anchor);
      expect(((await (await fetch(`${g.url}/healthz`)).json()) as { anchoring: { state: string } }).anchoring.state).toBe('ready');
    }
    anchorAgain.close();
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 300_000);
});
