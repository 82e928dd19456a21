/**
 * Trust anchors from the command line, against a real local chain (Hardhat
 * over JSON-RPC): `evidence trust export` reads EvidenceAnchor's registry into
 * an evidence-trust/1 policy; `evidence verify --trust` and `verify-trace
 * --trust` (and `--rpc`) refuse files made with keys that are not the
 * registered ones, which without a policy are only "intact, keys not checked";
 * `evidence certificate` writes the 存证核验报告 as a one-page A4 PDF printed by
 * Chromium; files that cannot be read are "无法读取 cannot read", exit 2.
 */
import { readFileSync } from 'node:fs';
import { Wallet, JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entityId,
  generateSm2KeyPair,
  hopHash,
  parseTrustPolicy,
  requestDigest,
  responseDigest,
  signHeader,
  signHop,
  toHex,
  ZERO32,
  type Hop,
} from '@evidence/core';
import { localAccounts, registerGateway, registerNode } from '@evidence/contracts';
import { anchoredFixture, type AnchoredFixture } from '../support/anchored-bundle.js';
import { haveChromium } from '../support/chromium.js';
import { vectors } from '../support/vectors.js';
import { evidence, jsonLines, scratch } from './run-evidence.js';
import { pdfFacts } from './pdf-text.js';
import { anchoredV2Bundle } from './anchored-v2.js';

const file = scratch('trust-cli-');
const ZERO = toHex(ZERO32);

/** A complete trace: origin at gateway A, forwarded by node N, delivered to and answered by gateway B. */
function makeTrace(keys: Record<'a' | 'n' | 'b', { privateKey: string; publicKey: string }>, ids: Record<'a' | 'n' | 'b', string>, ts: number) {
  const request = { method: 'POST', path: '/v1/records/query', body: { patient: 'p-1' } };
  const response = { status: 200, body: { records: 2 } };
  const req = toHex(requestDigest(request.method, request.path, request.body));
  const res = toHex(responseDigest(response.status, request.path, response.body));
  const plan: [number, 'a' | 'n' | 'b', string, string][] = [
    [1, 'a', ids.n, req],
    [2, 'n', ids.b, req],
    [3, 'b', ZERO, req],
    [4, 'b', ZERO, res],
  ];
  const hops: Hop[] = [];
  let prev = ZERO;
  plan.forEach(([type, who, next, digest], index) => {
    const hop = signHop({ v: 1, type, requestId: '0f'.repeat(16), index, node: ids[who], next, ts: ts + index, digest, prev }, keys[who].privateKey, keys[who].publicKey);
    hops.push(hop);
    prev = toHex(hopHash(hop));
  });
  const nodes = (['a', 'n', 'b'] as const).map((w) => ({ id: ids[w], publicKey: keys[w].publicKey }));
  return { hops, nodes, request, response };
}

describe('evidence trust export, verify --trust, verify-trace --trust/--rpc, certificate (local chain)', () => {
  let f: AnchoredFixture;
  let contract: string;
  let trustFile: string;
  let hopTime: number;
  const ids = { a: toHex(entityId('H330100007')), n: toHex(entityId('RN-TEST-01')), b: toHex(entityId('H330100008')) };
  const realKeys = { a: generateSm2KeyPair(), n: generateSm2KeyPair(), b: generateSm2KeyPair() };

  beforeAll(async () => {
    f = await anchoredFixture();
    contract = f.deployment.contracts.EvidenceAnchor;
    // The trace's institutions and routing node, registered by the governor (account 0).
    const provider = new JsonRpcProvider(f.chain.rpcUrl, f.chain.chainId, { staticNetwork: true });
    const governor = { signer: new Wallet(localAccounts()[0]!.privateKey, provider), address: contract };
    await registerGateway(governor, { gateway: ids.a, account: localAccounts()[5]!.address, publicKey: realKeys.a.publicKey });
    await registerGateway(governor, { gateway: ids.b, account: localAccounts()[6]!.address, publicKey: realKeys.b.publicKey });
    await registerNode(governor, { node: ids.n, account: localAccounts()[7]!.address, publicKey: realKeys.n.publicKey });
    // Hop times after the registrations, by the chain's clock (a local chain's block times run ahead of the wall clock).
    hopTime = (await provider.getBlock('latest'))!.timestamp * 1000 + 60_000;
    provider.destroy();
    const names = file('names.json', { H330100001: '测试互联网医院', H330100007: '甲互联网医院', H330100008: '乙互联网医院', 'RN-TEST-01': '测试路由节点' });
    trustFile = file('trust.json', '');
    const r = await evidence(['trust', 'export', '--rpc', f.chain.rpcUrl, '--contract', contract, '--names', names, '--issuer', '测试监管机构', '--out', trustFile]);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await f?.close();
  });

  it('trust export: every registered gateway and node with its key from seq 0, names by code, the chain and no witnesses', () => {
    const policy = parseTrustPolicy(readFileSync(trustFile, 'utf8'));
    expect(policy.format).toBe('evidence-trust/1');
    expect(policy.issuer).toBe('测试监管机构');
    expect(policy.chains.evm).toEqual({ rpcUrl: f.chain.rpcUrl, chainId: f.chain.chainId, contract: contract.toLowerCase() });
    const hospital = policy.institutions.find((i) => i.code === 'H330100001');
    expect(hospital).toMatchObject({ name: '测试互联网医院', gateway: f.bundle.batch.gateway, keys: [{ publicKey: f.gatewayKey.publicKey, fromSeq: 0, toSeq: null }] });
    expect(policy.nodes).toEqual([expect.objectContaining({ code: 'RN-TEST-01', name: '测试路由节点', id: ids.n, keys: [expect.objectContaining({ publicKey: realKeys.n.publicKey })] })]);
    expect(policy.witnesses).toEqual({ quorum: 0, witnesses: [] });
  });

  it('verify --trust: a registered bundle shows every level checked, anchored at its block', async () => {
    const r = await evidence(['verify', '--json', '--trust', trustFile, file('ok.json', f.bundle)]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ valid: true, failedStep: null, levels: { intact: 'passed', keys: 'passed', anchored: 'passed' }, trust: { trusted: true, institution: '测试互联网医院' }, anchor: { anchored: true } });
    const human = await evidence(['verify', '--trust', trustFile, file('ok.json', f.bundle)]);
    expect(human.stdout).toContain('出具机构 institution: 测试互联网医院 H330100001');
    expect(human.stdout).toContain('证据类型 kind: 5 电子处方 prescription');
    expect(human.stdout).toContain('（⚠ 开发测试链，非正式链）');
    expect(human.stdout).toContain('结果 result: 有效 VALID（机构密钥与链上锚定已核验');
    const offline = await evidence(['verify', '--json', '--offline', '--trust', trustFile, file('ok.json', f.bundle)]);
    expect(jsonLines(offline.stdout)[0]).toMatchObject({ valid: true, levels: { keys: 'passed', anchored: 'not-checked' } });
  });

  it('a bundle made with a new key and the real gateway id: intact and "keys not checked" without a policy (exit 0), refused at trust with one (exit 1)', async () => {
    const impostor = generateSm2KeyPair();
    const forged = { ...f.bundle, signature: { alg: 'sm2', publicKey: impostor.publicKey, value: toHex(signHeader(f.bundle.batch, impostor.privateKey)) } };
    const path = file('forged.json', forged);
    const plain = await evidence(['verify', '--json', path]);
    expect(plain.code).toBe(0);
    const line = jsonLines(plain.stdout)[0]!;
    expect(line).toMatchObject({ valid: true, levels: { intact: 'passed', keys: 'not-checked', anchored: 'not-checked' } });
    expect(String(line.note)).toContain('未核验签名密钥是否属于该机构');
    expect(String(line.note)).toContain('the signing keys were not checked');
    const human = await evidence(['verify', path]);
    expect(human.stdout).toContain('结果 result: 内容完整 INTACT · 密钥未核验 keys not checked');
    expect(human.stdout).not.toContain('有效 VALID');

    const trusted = await evidence(['verify', '--json', '--trust', trustFile, path]);
    expect(trusted.code).toBe(1);
    expect(jsonLines(trusted.stdout)[0]).toMatchObject({ valid: false, failedStep: 'trust', levels: { intact: 'passed', keys: 'failed' }, trust: { trusted: false, reason: 'key-not-registered' } });
    const said = await evidence(['verify', '--trust', trustFile, path]);
    expect(said.stdout).toContain('签名密钥不是该机构登记的密钥，可能是伪造的证明包');
    expect(said.stdout).toContain('下一步 next: 不要采信');
  });

  it('verify-trace: a trace re-signed with an attacker\'s keys under the real ids is intact, and fails at trust with --trust or --rpc', async () => {
    const real = file('trace.json', makeTrace(realKeys, ids, hopTime));
    const forged = file('forged-trace.json', makeTrace({ a: generateSm2KeyPair(), n: generateSm2KeyPair(), b: generateSm2KeyPair() }, ids, hopTime));
    expect(jsonLines((await evidence(['verify-trace', '--json', forged])).stdout)[0]).toMatchObject({ valid: true, levels: { intact: 'passed', keys: 'not-checked' } });
    for (const how of [['--trust', trustFile], ['--rpc', f.chain.rpcUrl, '--contract', contract]]) {
      const ok = await evidence(['verify-trace', '--json', ...how, real]);
      expect(ok.code, `${how[0]}: ${ok.stdout}`).toBe(0);
      expect(jsonLines(ok.stdout)[0]).toMatchObject({ valid: true, levels: { intact: 'passed', keys: 'passed' } });
      const bad = await evidence(['verify-trace', '--json', ...how, forged]);
      expect(bad.code).toBe(1);
      expect(jsonLines(bad.stdout)[0]).toMatchObject({ valid: false, failedStep: 'trust', failedHop: 0, levels: { intact: 'passed', keys: 'failed' } });
    }
    const human = await evidence(['verify-trace', '--trust', trustFile, real]);
    expect(human.stdout).toContain('hop 1 转发 forward · 测试路由节点 RN-TEST-01');
    expect(human.stdout).toContain('hop 3 应答 response · 乙互联网医院 H330100008');
  });

  it('a v2 bundle anchored at a checkpoint and cosigned by the policy\'s witnesses: every level, with the block time in Beijing time', async () => {
    const v2 = await anchoredV2Bundle(f.chain.rpcUrl, contract, 'H330100009', 8);
    const policy = {
      format: 'evidence-trust/1',
      chains: { evm: { rpcUrl: f.chain.rpcUrl, chainId: f.chain.chainId, contract } },
      institutions: [{ code: v2.gateway.code, name: '丙互联网医院', gateway: v2.gateway.id, keys: [{ publicKey: v2.gateway.publicKey, fromSeq: 0, toSeq: null }] }],
      witnesses: { quorum: 2, witnesses: v2.witnesses },
    };
    const policyPath = file('v2-trust.json', policy);
    const r = await evidence(['verify', '--json', '--trust', policyPath, file('v2.json', v2.bundle)]);
    expect(r.code, r.stdout).toBe(0);
    const line = jsonLines(r.stdout)[0]!;
    expect(line).toMatchObject({ valid: true, levels: { intact: 'passed', keys: 'passed', anchored: 'passed', witnesses: 'passed' }, witnesses: { quorum: 2 } });
    expect(typeof (line.anchor as { anchoredAt?: number }).anchoredAt).toBe('number');
    const human = await evidence(['verify', '--trust', policyPath, file('v2.json', v2.bundle)]);
    expect(human.stdout).toMatch(/上链时间 block time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+08:00（北京时间）/);
    expect(human.stdout).toContain('受信 WIT-COURT-01 trusted');
    // A policy whose second witness did not cosign: one trusted cosignature, quorum 2, refused at witnesses.
    const stranger = { id: toHex(entityId('WIT-OTHER')), publicKey: generateSm2KeyPair().publicKey, code: 'WIT-OTHER' };
    const unmet = await evidence(['verify', '--json', '--trust', file('v2-trust-unmet.json', { ...policy, witnesses: { quorum: 2, witnesses: [v2.witnesses[0], stranger] } }), file('v2.json', v2.bundle)]);
    expect(unmet.code).toBe(1);
    expect(jsonLines(unmet.stdout)[0]).toMatchObject({ valid: false, failedStep: 'witnesses', levels: { intact: 'passed', keys: 'passed', anchored: 'passed', witnesses: 'failed' } });
  });

  it('a trust policy that cannot be used is exit 2 with its code, not a verdict', async () => {
    const r = await evidence(['verify', '--trust', file('bad-trust.json', { format: 'evidence-trust/1', institutions: [{ gateway: 'XY', keys: [{ publicKey: f.gatewayKey.publicKey, fromSeq: 0 }] }] }), file('ok2.json', f.bundle)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('信任策略无效 invalid trust policy (institutions[0].gateway)');
    expect(r.stderr).toContain('[TRUST_ID]');
  });
});

describe('cannot read', () => {
  it('verify, verify-trace and certificate say 无法读取 cannot read (exit 2), never invalid', async () => {
    const missing = file('x.json', '').replace(/x\.json$/, 'missing.json');
    for (const args of [['verify', missing], ['verify-trace', missing]]) {
      const r = await evidence(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('无法读取 cannot read');
      expect(r.stdout).not.toContain('INVALID');
      expect(r.stdout).not.toContain('malformed');
    }
    const json = await evidence(['verify', '--json', missing]);
    expect(jsonLines(json.stdout)[0]).toMatchObject({ valid: false, unreadable: true, failedStep: null });
    const cert = await evidence(['certificate', missing, '-o', missing.replace(/json$/, 'html')]);
    expect(cert.code).toBe(2);
    expect(cert.stderr).toContain('无法读取 cannot read');
  });
});

describe.skipIf(!haveChromium)('evidence certificate (skipped: no Chromium)', () => {
  const vector = vectors.bundles.find((b) => b.valid && b.bundle.disclosure)!.bundle;
  const policy = {
    format: 'evidence-trust/1',
    issuer: '测试监管机构',
    institutions: [{ code: 'H330100001', name: '测试互联网医院', gateway: vector.batch.gateway, keys: [{ publicKey: vector.signature.publicKey, fromSeq: 0, toSeq: null }] }],
  };

  it('writes one A4 page naming the institution and the verdict in Chinese, with the ID number masked', async () => {
    const out = file('report.pdf', '');
    const bundlePath = file('bundle.json', vector);
    const r = await evidence(['certificate', bundlePath, '--trust', file('policy.json', policy), '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const pdf = await pdfFacts(readFileSync(out));
    expect(pdf.pages).toBe(1);
    // A4 in PDF points: 595.28 x 841.89 (Chromium rounds to 1/100 pt).
    expect(pdf.width).toBeCloseTo(595.3, 0);
    expect(pdf.height).toBeCloseTo(841.9, 0);
    const text = pdf.text.replace(/\s+/g, '');
    expect(text).toContain('存证核验报告');
    expect(text).toContain('测试互联网医院');
    expect(text).toContain('有效VALID');
    expect(text).toContain('挂号');
    expect(text).toContain('3301**********1234');
    expect(text).not.toContain('330106199001011234');
    expect(text).toContain('138****0000');
  }, 60_000);

  it('HTML on request, and the full ID only with --unmask; a forged key is reported invalid at trust (exit 1)', async () => {
    const bundlePath = file('bundle.json', vector);
    const policyPath = file('policy.json', policy);
    const masked = file('masked.html', '');
    expect((await evidence(['certificate', bundlePath, '--trust', policyPath, '-o', masked])).code).toBe(0);
    expect(readFileSync(masked, 'utf8')).not.toContain('330106199001011234');
    const unmasked = file('unmasked.html', '');
    expect((await evidence(['certificate', bundlePath, '--trust', policyPath, '--unmask', '-o', unmasked])).code).toBe(0);
    expect(readFileSync(unmasked, 'utf8')).toContain('330106199001011234');
    const other = generateSm2KeyPair().publicKey;
    const strict = file('policy-other.json', { ...policy, institutions: [{ ...policy.institutions[0]!, keys: [{ publicKey: other, fromSeq: 0, toSeq: null }] }] });
    const refused = file('refused.html', '');
    const r = await evidence(['certificate', bundlePath, '--trust', strict, '-o', refused]);
    expect(r.code).toBe(1);
    const html = readFileSync(refused, 'utf8');
    expect(html).toContain('无效 INVALID（trust）');
    expect(html).toContain('签名密钥不是该机构登记的密钥');
  });
});

