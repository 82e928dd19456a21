/**
 * `evidence witnesses export`: the witness policy read from EvidenceAnchor's
 * registry on a local chain over JSON-RPC, and applied by `evidence verify
 * --witnesses` to a version 2 bundle cosigned by registered witnesses, by an
 * unregistered witness, and by an impostor using a registered id.
 */
import { readFileSync } from 'node:fs';
import { cosignCheckpoint, entityId, generateSm2KeyPair, toHex, type Checkpoint } from '@evidence/core';
import { createEvmAnchor, registerNode, registerWitness, rotateNodeKey, setParticipantActive, setWitness } from '@evidence/contracts';
import { JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKey, rpcEvm, type RpcEvm } from '../gateway/support/evm.js';
import { v2 } from '../spec/v2-vectors.js';
import { evidence, jsonLines, scratch } from './run-evidence.js';

const file = scratch('evidence-cli-witnesses-');
const bundle4 = v2.bundles[4]!.bundle as Extract<(typeof v2.bundles)[number]['bundle'], { log: unknown }>;
const checkpoint = bundle4.log.checkpoint as Checkpoint;

const witness = (code: string) => ({ code, id: toHex(entityId(code)), ...generateSm2KeyPair() });
const COURT = witness('COURT-HZ-INTERNET');
const NODE = witness('RN-ZJ-01');
const RETIRED = witness('REG-RETIRED');
const STRANGER = witness('NOT-REGISTERED');

/** The vector bundle with its cosignatures replaced by these witnesses' (cosignatures are over the checkpoint only). */
function cosignedBy(...ws: { id: string; privateKey: string; publicKey: string }[]): string {
  const cosignatures = ws.map((w, i) => cosignCheckpoint(checkpoint, w, checkpoint.ts + 1000 + i));
  return file(`bundle-${ws.map((w) => w.publicKey.slice(2, 10)).join('-')}.json`, { ...bundle4, log: { ...bundle4.log, cosignatures } });
}

let evm: RpcEvm;
let provider: JsonRpcProvider;
let governor: { signer: Wallet; address: string };
const exportArgs = () => ['witnesses', 'export', '--rpc', evm.rpcUrl, '--contract', evm.address];

beforeAll(async () => {
  evm = await rpcEvm();
  provider = new JsonRpcProvider(evm.rpcUrl, evm.chain.chainId, { staticNetwork: true });
  governor = { signer: new Wallet(accountKey(0), provider), address: evm.address };
}, 120_000);
afterAll(async () => {
  provider?.destroy();
  await evm?.close();
});

describe('evidence witnesses export', () => {
  it('with no witness registered: quorum 0, an empty list, and a note on stderr', async () => {
    const r = await evidence(exportArgs());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ quorum: 0, witnesses: [] });
    expect(r.stderr).toContain('no active witness is registered on chain');
  });

  it('exports every active witness with its current key: standalone, a node given the role, never a deactivated one', async () => {
    await registerWitness(governor, { witness: COURT.id, account: evm.deployment.deployer, publicKey: COURT.publicKey });
    await registerNode(governor, { node: NODE.id, account: evm.deployment.deployer, publicKey: NODE.publicKey });
    await setWitness(governor, { id: NODE.id, witness: true });
    await registerWitness(governor, { witness: RETIRED.id, account: evm.deployment.deployer, publicKey: RETIRED.publicKey });
    await setParticipantActive(governor, { id: RETIRED.id, active: false });

    const r = await evidence(exportArgs());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      quorum: 1,
      witnesses: [
        { id: COURT.id, publicKey: COURT.publicKey },
        { id: NODE.id, publicKey: NODE.publicKey },
      ],
    });

    const out = file('policy-2.json', '');
    const two = await evidence([...exportArgs(), '--quorum', '2', '--out', out]);
    expect(two.code).toBe(0);
    expect(two.stdout).toContain(`witness policy written to ${out}: 2`);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ quorum: 2 });

    const tooMany = await evidence([...exportArgs(), '--quorum', '3']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--quorum 3 exceeds the 2 active witness(es)');
  });

  it('the EVM anchor reads a witness key from the registry for online checks: registered, a node given the role, never a deactivated or unknown id', async () => {
    const anchor = createEvmAnchor({ rpcUrl: evm.rpcUrl, address: evm.address });
    try {
      const now = Date.now() + 60_000;
      expect(await anchor.witnessKeyAt(COURT.id, now)).toBe(COURT.publicKey);
      expect(await anchor.witnessKeyAt(NODE.id, now)).toBe(NODE.publicKey);
      expect(await anchor.witnessKeyAt(RETIRED.id, now)).toBeNull();
      expect(await anchor.witnessKeyAt(STRANGER.id, now)).toBeNull();
    } finally {
      anchor.close();
    }
  });

  it('the exported policy makes verify accept a bundle cosigned by registered witnesses and refuse one cosigned by an unregistered key', async () => {
    const policy = file('policy.json', '');
    expect((await evidence([...exportArgs(), '--out', policy])).code).toBe(0);

    const good = await evidence(['verify', '--json', '--witnesses', policy, cosignedBy(COURT)]);
    expect(good.code).toBe(0);
    expect(jsonLines(good.stdout)[0]).toMatchObject({ valid: true, witnesses: { quorum: 1 } });

    const policy2 = file('policy-two.json', '');
    expect((await evidence([...exportArgs(), '--quorum', '2', '--out', policy2])).code).toBe(0);
    expect((await evidence(['verify', '--json', '--witnesses', policy2, cosignedBy(COURT, NODE)])).code).toBe(0);

    // Valid cosignatures offline, but by witnesses the chain does not name (or no longer does).
    for (const bundle of [cosignedBy(STRANGER), cosignedBy(RETIRED), cosignedBy({ ...STRANGER, id: COURT.id })]) {
      const offline = await evidence(['verify', '--json', bundle]);
      expect(offline.code).toBe(0);
      const refused = await evidence(['verify', '--json', '--witnesses', policy, bundle]);
      expect(refused.code).toBe(1);
      expect(jsonLines(refused.stdout)[0]).toMatchObject({ valid: false, failedStep: 'witnesses' });
    }
  });

  it('follows a key rotation: the policy names the current key', async () => {
    const next = generateSm2KeyPair();
    await rotateNodeKey(governor, { node: COURT.id, publicKey: next.publicKey });
    const r = await evidence(exportArgs());
    expect(JSON.parse(r.stdout).witnesses).toContainEqual({ id: COURT.id, publicKey: next.publicKey });
    const policy = file('policy-rotated.json', r.stdout);
    expect((await evidence(['verify', '--json', '--witnesses', policy, cosignedBy({ ...COURT, ...next })])).code).toBe(0);
    expect((await evidence(['verify', '--json', '--witnesses', policy, cosignedBy(COURT)])).code).toBe(1);
  });

  it('refuses bad usage and an unreachable chain with exit 2', async () => {
    const usage = await evidence(['witnesses', 'export', '--rpc', evm.rpcUrl]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--contract ADDRESS');
    expect((await evidence(['witnesses', 'list'])).code).toBe(2);
    const down = await evidence(['witnesses', 'export', '--rpc', 'http://127.0.0.1:9', '--contract', evm.address]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('ANCHOR_UNAVAILABLE');
  });
});
