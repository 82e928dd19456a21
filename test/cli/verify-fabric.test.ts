/**
 * `evidence verify --trust` on a Fabric-anchored bundle: the CLI reads the
 * peer, TLS CA and client identity from the trust policy (paths relative to
 * the policy file) and checks the anchor through the same Fabric adapter the
 * gateway uses, over fabric-gateway with TLS and signed proposals, against
 * the Gateway service of the repo's in-memory peer on 127.0.0.1 (the one
 * test/fabric/gateway-connection.test.ts uses; a live Fabric network cannot
 * run here: test/fabric/live.test.ts and the last case below run against one
 * when FABRIC_PEER_ENDPOINT and the identity are configured).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSm2KeyPair, parseTrustPolicy, signHeader, toHex, ZERO32, type ProofBundle } from '@evidence/core';
import { createEvidenceNetwork, FabricGatewayService, type EvidenceNetwork, type TestIdentity } from '@evidence/chaincode/testing';
import { bundleFor, makeSignedBatch } from '../conformance/anchor.js';
import { jsonLines } from './run-evidence.js';

const MAIN = fileURLToPath(new URL('../../core/src/cli/main.ts', import.meta.url));

/** The CLI from its sources, so @evidence/chaincode resolves to the adapter's sources as in every Fabric test. */
function evidenceFromSource(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('evidence verify --trust with a Fabric chain (in-memory peer behind the Fabric Gateway service, TLS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-fabric-'));
  let net: EvidenceNetwork;
  let service: FabricGatewayService;
  let bundle: ProofBundle;
  let gatewayKey: { publicKey: string; privateKey: string };
  const write = (name: string, v: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
    return p;
  };

  /** A client identity in the MSP folder layout, under the policy's folder. */
  function writeMsp(name: string, identity: TestIdentity): { certPath: string; keyPath: string } {
    mkdirSync(join(dir, name, 'signcerts'), { recursive: true });
    mkdirSync(join(dir, name, 'keystore'), { recursive: true });
    writeFileSync(join(dir, name, 'signcerts', 'cert.pem'), identity.certificate);
    writeFileSync(join(dir, name, 'keystore', 'priv_sk'), identity.privateKey, { mode: 0o600 });
    return { certPath: `${name}/signcerts`, keyPath: `${name}/keystore` };
  }

  const policyFor = (keys: string[]) => ({
    format: 'evidence-trust/1',
    chains: {
      fabric: { peerEndpoint: service.address, peerHostAlias: 'peer0.org1.example.com', channel: 'evidence', chaincode: 'anchor', tlsCaPath: 'tls-ca.pem', mspId: net.governor.mspId, ...writeMsp(`court-${keys.length}`, net.identity('court')) },
    },
    institutions: [{ code: 'H330100001', name: '测试互联网医院', gateway: bundle.batch.gateway, keys: keys.map((publicKey, i) => ({ publicKey, fromSeq: i, toSeq: i + 1 < keys.length ? i : null })) }],
  });

  beforeAll(async () => {
    net = await createEvidenceNetwork();
    const serverTls = net.ca.issueServer({ CN: 'peer0.org1.example.com' }, { dns: ['peer0.org1.example.com'] });
    service = await FabricGatewayService.start(net.fabric, { tls: { key: serverTls.privateKey, cert: serverTls.certificate } });
    write('tls-ca.pem', net.ca.certificate);
    const gateway = await net.registerGateway('H330100001');
    gatewayKey = { publicKey: gateway.publicKey, privateKey: gateway.privateKey };
    const batch = makeSignedBatch('sm3', gateway, 0, toHex(ZERO32), 4);
    const ref = await net.gatewayAnchor(gateway).anchor(batch.header, batch.signature);
    bundle = { ...bundleFor(batch, 2, gateway.publicKey), anchor: ref };
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Fabric-anchored bundle: intact, the institution\'s key, and anchored, all from the policy', async () => {
    const r = await evidenceFromSource(['verify', '--json', '--trust', write('trust.json', policyFor([gatewayKey.publicKey])), write('bundle.json', bundle)]);
    expect(r.code, r.stderr || r.stdout).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ valid: true, levels: { intact: 'passed', keys: 'passed', anchored: 'passed' }, anchor: { anchored: true } });
  }, 60_000);

  it('a batch re-signed with the registered key but never anchored fails at anchor (not-anchored)', async () => {
    const batch = { ...bundle.batch, seq: 7 };
    const never = { ...bundle, batch, signature: { ...bundle.signature, value: toHex(signHeader(batch, gatewayKey.privateKey, gatewayKey.publicKey)) } };
    const r = await evidenceFromSource(['verify', '--json', '--trust', write('trust2.json', policyFor([gatewayKey.publicKey])), write('never.json', never)]);
    expect(r.code, r.stderr).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ valid: false, failedStep: 'anchor', levels: { intact: 'passed', keys: 'passed', anchored: 'failed' }, anchor: { reason: 'not-anchored' } });
  }, 60_000);

  it('keys the policy does not register fail at trust before the chain is asked', async () => {
    const r = await evidenceFromSource(['verify', '--json', '--trust', write('trust3.json', policyFor([generateSm2KeyPair().publicKey])), write('bundle3.json', bundle)]);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ failedStep: 'trust', levels: { keys: 'failed', anchored: 'not-checked' } });
  }, 60_000);

  it('a peer that does not answer is "not checked" at the anchor level, never "not anchored"', async () => {
    const policy = policyFor([gatewayKey.publicKey]);
    policy.chains.fabric.peerEndpoint = '127.0.0.1:1';
    const r = await evidenceFromSource(['verify', '--json', '--trust', write('trust4.json', policy), write('bundle4.json', bundle)]);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ failedStep: 'anchor', levels: { anchored: 'not-checked' }, anchor: { reason: 'unreachable' } });
  }, 60_000);

  it('trust export from the Fabric registry by code: the institution, its key range and the peer; verify with it at every level', async () => {
    const id = writeMsp('exporter', net.identity('regulator'));
    const out = join(dir, 'exported.json');
    const names = write('names.json', { H330100001: '测试互联网医院' });
    const r = await evidenceFromSource([
      'trust', 'export', '--fabric-peer', service.address, '--fabric-host-alias', 'peer0.org1.example.com', '--fabric-msp', net.governor.mspId,
      '--fabric-cert', join(dir, id.certPath), '--fabric-key', join(dir, id.keyPath), '--fabric-tls-ca', join(dir, 'tls-ca.pem'),
      '--gateways', 'H330100001', '--names', names, '--out', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const policy = parseTrustPolicy(readFileSync(out, 'utf8'));
    expect(policy.institutions).toEqual([expect.objectContaining({ code: 'H330100001', name: '测试互联网医院', gateway: bundle.batch.gateway, keys: [expect.objectContaining({ publicKey: gatewayKey.publicKey, fromSeq: 0, toSeq: null })] })]);
    expect(policy.chains.fabric).toMatchObject({ peerEndpoint: service.address, channel: 'evidence', chaincode: 'anchor' });
    const v = await evidenceFromSource(['verify', '--json', '--trust', out, write('bundle5.json', bundle)]);
    expect(v.code, v.stderr || v.stdout).toBe(0);
    expect(jsonLines(v.stdout)[0]).toMatchObject({ levels: { intact: 'passed', keys: 'passed', anchored: 'passed' } });
    const unknown = await evidenceFromSource(['trust', 'export', '--fabric-peer', service.address, '--fabric-host-alias', 'peer0.org1.example.com', '--fabric-msp', net.governor.mspId, '--fabric-cert', join(dir, id.certPath), '--fabric-key', join(dir, id.keyPath), '--fabric-tls-ca', join(dir, 'tls-ca.pem'), '--gateways', 'H999']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('H999');
  }, 60_000);
});

const LIVE = ['FABRIC_PEER_ENDPOINT', 'FABRIC_MSP_ID', 'FABRIC_CERT_PATH', 'FABRIC_KEY_PATH', 'EVIDENCE_LIVE_FABRIC_BUNDLE', 'EVIDENCE_LIVE_FABRIC_TRUST'];
const liveMissing = LIVE.filter((n) => !process.env[n]?.trim());

/**
 * On a real Fabric network, when one is configured: a bundle its gateway
 * issued (EVIDENCE_LIVE_FABRIC_BUNDLE) verified online with the trust policy
 * a regulator published for it (EVIDENCE_LIVE_FABRIC_TRUST, naming the peer
 * and identity), exactly as a court runs it.
 */
describe.skipIf(liveMissing.length > 0)(`evidence verify --trust on a live Fabric network${liveMissing.length ? ` (skipped: ${liveMissing.join(', ')} not set)` : ''}`, () => {
  it('verifies the configured bundle at every level the policy allows', async () => {
    const r = await evidenceFromSource(['verify', '--json', '--trust', process.env.EVIDENCE_LIVE_FABRIC_TRUST!, process.env.EVIDENCE_LIVE_FABRIC_BUNDLE!]);
    expect(r.code, r.stderr || r.stdout).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ valid: true, levels: { intact: 'passed', keys: 'passed', anchored: 'passed' } });
  }, 120_000);
});
