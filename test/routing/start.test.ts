/**
 * `npm start` with routing (scripts/start.ts as a process, in a temporary
 * state folder): a routing node registered on the local chain, two gateways
 * publishing sample services, stack.json naming nodes and services; a call
 * from one institution to the other through the network, its trace verified
 * by the CLI, and the hop-trace evidence anchored on chain and proven, its
 * checkpoint cosigned by the routing node and the other gateway (each hosts
 * a witness, listed in stack.json).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnchor, verifyBundle, type ProofBundleV2 } from '@evidence/core';
import { createEvmAnchor } from '@evidence/contracts';
import https from 'node:https';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyWithCli, type TraceDoc } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** GET over https trusting `ca` only (no client certificate). */
function getJson(url: string, ca: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(JSON.parse(text) as unknown));
      })
      .on('error', reject);
  });
}

interface Stack {
  rpcUrl: string;
  contracts: { EvidenceAnchor: string };
  nodes: { code: string; id: string; url: string }[];
  gateways: { code: string; id: string; url: string; token: string; services: { name: string; kind: string | null }[] }[];
  witnesses: { code: string; id: string; url: string; publicKey: string }[];
}

describe('npm start with the routing network', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-routing-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a star of gateways around a routing node; a remote call is traced, recorded and anchored', async () => {
    let out = '';
    child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/start.ts', '--gateways', '2', '--chain-port', '0', '--gateway-port', '0', '--dir', dir], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    const end = Date.now() + 180_000;
    while (!out.includes('Query H330100002')) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`npm start did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toMatch(/routing node \/ 路由设备 RN-ZJ-01 {2}https:\/\/127\.0\.0\.1:\d+/);

    const stack = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8')) as Stack;
    expect(stack.nodes).toEqual([{ code: 'RN-ZJ-01', id: expect.stringMatching(/^[0-9a-f]{64}$/), url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) }]);
    for (const g of stack.gateways) expect(g.services.map((s) => s.name)).toEqual(['emr.query', 'rx.review', 'echo']);
    const [a, b] = stack.gateways as [Stack['gateways'][0], Stack['gateways'][0]];
    // The routing node is a witness at its own URL, with its registered key.
    const node = stack.nodes[0]!;
    expect(stack.witnesses[0]).toEqual({ code: 'RN-ZJ-01', id: node.id, url: node.url, publicKey: expect.stringMatching(/^04[0-9a-f]{128}$/) });
    // The node listens with TLS, its certificate from the local CA npm start made (its witness needs no client certificate).
    expect(await getJson(`${node.url}/v1/witness`, readFileSync(join(dir, 'tls', 'ca.pem')))).toMatchObject({ id: node.id, publicKey: stack.witnesses[0]!.publicKey });
    expect(stack.witnesses.slice(1).map((w) => [w.code, w.url])).toEqual([
      [a.code, a.url],
      [b.code, b.url],
    ]);

    // The gateways publish when they start; the node routes once it has both.
    let res: Response | undefined;
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${a.url}/v1/remote/${b.code}/emr.query/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ patient: 'p-001', scope: ['Observation'] }),
      });
      if (res.status !== 404) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const call = (await res!.json()) as { requestId: string; response: { status: number }; trace: TraceDoc; evidence: { 'hop-trace': string } };
    expect(res!.status).toBe(200);
    expect(call.trace.nodes.map((n) => n.code)).toEqual(['H330100001', 'RN-ZJ-01', 'H330100002']);
    // The node forwarded a sealed request over TLS: it says so, and that it could not check the request digest itself.
    expect((call as unknown as { checks: unknown }).checks).toEqual([{ node: node.id, made: ['structure', 'signatures', 'digests', 'envelope', 'tlsPeer'] }]);
    expect(await verifyWithCli(call.trace)).toMatchObject({ valid: true });

    // Keys came from the chain: the node's registered key is the one in the trace.
    const anchor = createEvmAnchor({ rpcUrl: stack.rpcUrl, address: stack.contracts.EvidenceAnchor });
    try {
      // The origin's hop-trace evidence is batched and anchored like any other.
      const id = call.evidence['hop-trace'];
      let proof: { status: number; body: ProofBundleV2 } = { status: 0, body: {} as ProofBundleV2 };
      for (let i = 0; i < 150 && proof.status !== 200; i++) {
        const r = await fetch(`${a.url}/v1/evidence/${id}/proof`, { headers: { authorization: `Bearer ${a.token}` } });
        proof = { status: r.status, body: (await r.json()) as ProofBundleV2 };
        if (proof.status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(proof.status).toBe(200);
      expect(proof.body.leaf.kind).toBe(11);
      expect(verifyBundle(proof.body)).toMatchObject({ valid: true });
      // Cosigned by the routing node and the other institution's gateway: the quorum of 2 A waits for.
      expect(proof.body.log.cosignatures.map((c) => c.witness).sort()).toEqual([node.id, b.id].sort());
      const policy = { quorum: 2, witnesses: stack.witnesses.map(({ id, publicKey }) => ({ id, publicKey })) };
      expect(verifyBundle(proof.body, { witnesses: policy })).toMatchObject({ valid: true });
      expect(await checkAnchor(proof.body, anchor)).toMatchObject({ anchored: true });
    } finally {
      anchor.close();
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${stack.nodes[0]!.url}/healthz`)).rejects.toThrow();
  }, 300_000);
});
