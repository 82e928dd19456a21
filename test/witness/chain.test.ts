/**
 * Witnesses reading gateway keys from the real registry: EvidenceAnchor on a
 * local chain over JSON-RPC, gateways registered with their SM2 keys. A
 * standalone witness process (a court's) and a routing node configured with
 * the chain, on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { entityId, generateSm2KeyPair, toHex, verifyCosignature, type Cosignature } from '@evidence/core';
import { registerNode, setParticipantActive } from '@evidence/contracts';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNodeServer } from '../../node/src/app.js';
import { nodeSettings } from '../../node/src/config.js';
import { staticKeySource } from '../../node/src/keys/key-source.js';
import { RoutingNode } from '../../node/src/routing-node.js';
import type { CosignRequest, ForkEvidence } from '../../node/src/witness/index.js';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { NODE_PACKAGE, spawnWitness, type WitnessProcess } from './process.js';
import { GatewayLog } from './support.js';

const GW = new GatewayLog('H330100001');
const STRANGER = new GatewayLog('H339999999');
let evm: RpcEvm;
let provider: JsonRpcProvider;
let governor: { signer: Wallet; address: string };
let dir: string;

beforeAll(async () => {
  evm = await rpcEvm();
  provider = new JsonRpcProvider(evm.rpcUrl, evm.chain.chainId, { staticNetwork: true });
  governor = { signer: new Wallet(accountKey(0), provider), address: evm.address };
  await evm.register(GW.code, GW.key.publicKey, 2);
  dir = await mkdtemp(join(tmpdir(), 'witness-chain-'));
});
afterAll(async () => {
  provider?.destroy();
  await evm?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cosign(url: string, request: CosignRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/witness/cosign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("a court's standalone witness on the chain registry", () => {
  it('cosigns registered gateways only, follows deactivation on chain, and after a restart refuses a fork and raises the alarm', async () => {
    const env = {
      WITNESS_CODE: 'COURT-HZ-INTERNET',
      DATA_DIR: join(dir, 'court'),
      EVM_RPC_URL: evm.rpcUrl,
      EVM_CONTRACT: evm.address,
      WITNESS_KEY_CACHE_MS: '0',
      LOG_LEVEL: 'info',
    };
    let witness: WitnessProcess | undefined = await spawnWitness(env);
    try {
      expect(witness.id).toBe(toHex(entityId('COURT-HZ-INTERNET')));
      expect(await (await fetch(`${witness.url}/v1/witness`)).json()).toEqual({ id: witness.id, publicKey: witness.publicKey, toleranceMs: 10_000 });

      GW.append(5);
      const request = GW.request();
      const ok = await cosign(witness.url, request);
      expect(ok.status).toBe(200);
      const cosignature = ok.body.cosignature as Cosignature;
      expect(cosignature).toMatchObject({ witness: witness.id, publicKey: witness.publicKey });
      expect(verifyCosignature(request.checkpoint, cosignature)).toBe(true);

      STRANGER.append(2);
      expect((await cosign(witness.url, STRANGER.request())).body).toMatchObject({ code: 'WITNESS_UNKNOWN_GATEWAY' });
      GW.append(1);
      expect((await cosign(witness.url, GW.request({ from: 5, signWith: STRANGER.key }))).body).toMatchObject({ code: 'WITNESS_WRONG_KEY' });

      await setParticipantActive(governor, { id: GW.id, active: false });
      expect((await cosign(witness.url, GW.request({ from: 5 }))).body).toMatchObject({ code: 'WITNESS_UNKNOWN_GATEWAY' });
      await setParticipantActive(governor, { id: GW.id, active: true });
      expect((await cosign(witness.url, GW.request({ from: 5 }))).status).toBe(200);

      await witness.stop();
      const publicKey = witness.publicKey;
      witness = await spawnWitness(env);
      expect(witness.publicKey).toBe(publicKey);
      const forked = GW.rewritten(0).request({ from: 6 });
      expect(await cosign(witness.url, forked)).toMatchObject({ status: 409, body: { code: 'WITNESS_FORK' } });
      const { forks } = (await (await fetch(`${witness.url}/v1/witness/forks`)).json()) as { forks: ForkEvidence[] };
      expect(forks).toEqual([expect.objectContaining({ gateway: GW.id, reason: 'root', second: { checkpoint: forked.checkpoint, signature: forked.signature } })]);
      expect(await (await fetch(`${witness.url}/metrics`)).text()).toMatch(/^evidence_witness_forks_total\{witness="COURT-HZ-INTERNET"\} 1$/m);
      const alarm = witness.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.alarm === 'witness-fork');
      expect(alarm).toMatchObject({ level: 50, gateway: GW.id, reason: 'root', msg: expect.stringMatching(/告警.*ALARM.*fork/) });
    } finally {
      await witness?.stop();
    }
  });

  it('prints its id and key with --init through the npm script, and refuses to start without a registry', async () => {
    const run = promisify(execFile);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { stdout } = await run(npm, ['run', '-s', 'witness', '-w', '@evidence/node', '--', '--init'], {
      cwd: join(NODE_PACKAGE, '..'),
      env: { ...process.env, WITNESS_CODE: 'REG-ZJ-HEALTH', DATA_DIR: join(dir, 'regulator'), DIRECTORY_FILE: join(dir, 'none.json'), DIRECTORY_OPERATOR_KEY: generateSm2KeyPair().publicKey },
    });
    expect(JSON.parse(stdout.trim())).toMatchObject({ code: 'REG-ZJ-HEALTH', id: toHex(entityId('REG-ZJ-HEALTH')), publicKey: expect.stringMatching(/^04[0-9a-f]{128}$/), created: true });
    const failed = await run(npm, ['run', '-s', 'witness'], { cwd: NODE_PACKAGE, env: { ...process.env, WITNESS_CODE: 'REG-ZJ-HEALTH', DATA_DIR: join(dir, 'regulator') } }).catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('EVM_RPC_URL') });
  });
});

describe('a routing node configured with the chain', () => {
  it('takes gateway keys from EvidenceAnchor: registered gateways only, not routing nodes', async () => {
    const nodeKeys = { code: 'RN-HZ-01', id: toHex(entityId('RN-HZ-01')), ...generateSm2KeyPair() };
    await registerNode(governor, { node: nodeKeys.id, account: new Wallet(accountKey(3)).address, publicKey: nodeKeys.publicKey });
    const node = new RoutingNode({
      settings: nodeSettings({ code: nodeKeys.code, dataDir: join(dir, 'rn'), chain: { rpcUrl: evm.rpcUrl, contract: evm.address }, verifyWorkers: 0 }),
      signer: nodeKeys,
      keys: staticKeySource([]),
    });
    const app = await buildNodeServer(node, { logger: false });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const log = new GatewayLog(GW.code, GW.key).append(3);
      expect((await cosign(url, log.request())).status).toBe(200);
      expect((await cosign(url, STRANGER.request())).body).toMatchObject({ code: 'WITNESS_UNKNOWN_GATEWAY' });
      // A routing node's own key signs no checkpoint a witness takes: it is not a gateway.
      const asNode = new GatewayLog(nodeKeys.code, nodeKeys).append(2);
      expect((await cosign(url, asNode.request())).body).toMatchObject({ code: 'WITNESS_UNKNOWN_GATEWAY' });
    } finally {
      await app.close();
    }
  });
});
