/**
 * The deployment script and the `evidence verify --rpc` online check, as
 * processes, against a local chain: the script deploys and writes the
 * deployment file; the CLI (which loads @evidence/contracts only for --rpc)
 * finds the vector bundles' batches anchored with their roots and keys.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, type EvmAnchorRef } from '@evidence/core';
import {
  createEvmAnchor,
  loadDeployment,
  localAccounts,
  openConnection,
  registerGateway,
  startLocalChain,
  type Deployment,
  type LocalChain,
} from '@evidence/contracts';
import { vectors } from '../support/vectors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EVIDENCE = join(ROOT, 'core/bin/evidence.js');
const DEPLOY = join(ROOT, 'scripts/deploy.ts');
const execFileAsync = promisify(execFile);

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const [deployer, gatewayAccount] = localAccounts();
const keccakHeaders = vectors.headers.filter((h) => h.header.alg === 'keccak256');
const evmBundles = vectors.bundles.filter((b) => b.valid && b.bundle.anchor?.chain === 'evm');

describe('deploy script and online verification', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evm-online-'));
  const deploymentPath = join(dir, 'deployment.json');
  let chain: LocalChain;
  let deployment: Deployment;
  const bundleFiles = evmBundles.map((b, i) => {
    const path = join(dir, `bundle-${i}.json`);
    writeFileSync(path, JSON.stringify(b.bundle));
    return path;
  });
  const verify = (...extra: string[]) =>
    run([EVIDENCE, 'verify', ...bundleFiles, '--json', '--rpc', chain.rpcUrl, '--contract', deployment.contracts.EvidenceAnchor, ...extra]);
  const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { anchor?: { reason?: string } });

  beforeAll(async () => {
    // Both processes load the built packages (core and contracts dist).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'contracts'], { cwd: ROOT, stdio: 'inherit' });
    chain = await startLocalChain();
  });
  afterAll(async () => {
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy script: explains its usage and refuses a missing or malformed environment', async () => {
    const help = await run(['--import', 'tsx', DEPLOY, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/用法 Usage/);
    const noUrl = await run(['--import', 'tsx', DEPLOY], { RPC_URL: '', DEPLOYER_KEY: deployer!.privateKey });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/RPC_URL is not set/);
    const badKey = await run(['--import', 'tsx', DEPLOY], { RPC_URL: chain.rpcUrl, DEPLOYER_KEY: '0x1234' });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/DEPLOYER_KEY/);
  });

  it('deploy script: reports an unreachable node with a code', async () => {
    const down = await run(['--import', 'tsx', DEPLOY, '--out', join(dir, 'never.json')], {
      RPC_URL: 'http://127.0.0.1:9',
      DEPLOYER_KEY: deployer!.privateKey,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/CHAIN_UNAVAILABLE/);
  });

  it('deploy script: deploys the four contracts and writes the deployment file', async () => {
    const r = await run(['--import', 'tsx', DEPLOY, '--out', deploymentPath], { RPC_URL: chain.rpcUrl, DEPLOYER_KEY: deployer!.privateKey });
    expect(r.code, r.stderr).toBe(0);
    deployment = loadDeployment(deploymentPath);
    expect(JSON.parse(r.stdout)).toEqual(deployment);
    expect(deployment).toMatchObject({ chainId: 31337, block: 1, deployer: deployer!.address.toLowerCase() });
    // The deployer's first contract: the address the vector bundles name.
    expect(deployment.contracts.EvidenceAnchor).toBe((evmBundles[0]!.bundle.anchor as EvmAnchorRef).contract);
  });

  it('evidence verify --rpc: a valid bundle whose batch is not anchored fails at the anchor step', async () => {
    const r = await verify();
    expect(r.code).toBe(1);
    for (const line of lines(r.stdout)) expect(line).toMatchObject({ valid: false, failedStep: 'anchor', anchor: { reason: 'not-anchored' } });
  });

  it('evidence verify --rpc: passes once the vector batches are anchored under the vector key', async () => {
    const connection = openConnection({ rpcUrl: chain.rpcUrl, privateKey: deployer!.privateKey }, 'CHAIN_UNAVAILABLE');
    const { signer } = await connection.ready();
    const gateway = keccakHeaders[0]!.header.gateway;
    await registerGateway(
      { signer: signer!, address: deployment.contracts.EvidenceAnchor },
      { gateway, account: gatewayAccount!.address, publicKey: keccakHeaders[0]!.publicKey },
    );
    connection.close();
    const anchor = createEvmAnchor({ rpcUrl: chain.rpcUrl, privateKey: gatewayAccount!.privateKey, address: deployment.contracts.EvidenceAnchor });
    for (const h of keccakHeaders) await anchor.anchor(h.header, fromHex(h.signature, 64));
    anchor.close();

    const r = await verify();
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(evmBundles.length);
    for (const line of out) expect(line).toMatchObject({ valid: true, failedStep: null, anchor: { anchored: true } });

    const human = await run([EVIDENCE, 'verify', bundleFiles[0]!, '--rpc', chain.rpcUrl, '--contract', deployment.contracts.EvidenceAnchor]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/✓ 锚定 anchor/);
  });

  it('evidence verify --rpc: a node that is down fails the anchor step without a crash', async () => {
    const r = await run([EVIDENCE, 'verify', bundleFiles[0]!, '--json', '--rpc', 'http://127.0.0.1:9', '--contract', deployment.contracts.EvidenceAnchor]);
    expect(r.code).toBe(1);
    expect(lines(r.stdout)[0]).toMatchObject({ valid: false, failedStep: 'anchor', anchor: { reason: 'unreachable' } });
  });
});
