import { describe, expect, it } from 'vitest';
import { generateSm2KeyPair } from '../sm2/sm2.js';
import type { AnyProofBundle } from '../bundle/types.js';
import type { Hop } from '../hop/hop.js';
import { checkBundleKeys, institutionKeyAt, policyKeyLookup, signerName } from './check.js';
import { chainLabel } from './chain.js';
import { kindLabel } from './kind-names.js';
import { maskPersonalData } from './mask.js';
import { parseTrustPolicy, TRUST_FORMAT } from './policy.js';
import { bundleVerdict } from './verdict.js';

const old = generateSm2KeyPair().publicKey;
const current = generateSm2KeyPair().publicKey;
const nodeKey = generateSm2KeyPair().publicKey;
const gw = 'aa'.repeat(32);
const policy = parseTrustPolicy({
  format: TRUST_FORMAT,
  institutions: [{ code: 'H330100001', name: '某某互联网医院', gateway: gw, keys: [{ publicKey: old, fromSeq: 0, toSeq: 9, fromTime: 0 }, { publicKey: current, fromSeq: 10, toSeq: null, fromTime: 5000 }] }],
  nodes: [{ code: 'RN-HZ-01', name: '', id: 'bb'.repeat(32), keys: [{ publicKey: nodeKey, fromTime: 0 }] }],
});

const v1 = (seq: number, publicKey: string) => ({ format: 'evidence-proof/1', batch: { gateway: gw, seq }, signature: { publicKey } }) as unknown as AnyProofBundle;

describe('checkBundleKeys', () => {
  it('accepts the key registered for the batch seq, by range', () => {
    expect(institutionKeyAt(policy.institutions[0]!, 9)).toBe(old);
    expect(institutionKeyAt(policy.institutions[0]!, 10)).toBe(current);
    expect(checkBundleKeys(v1(3, old), policy)).toMatchObject({ trusted: true });
    expect(checkBundleKeys(v1(12, current), policy)).toMatchObject({ trusted: true });
  });

  it('refuses a rotated-out key after its range, a forged key, and an unknown gateway', () => {
    expect(checkBundleKeys(v1(12, old), policy)).toMatchObject({ trusted: false, reason: 'key-not-registered' });
    expect(checkBundleKeys(v1(0, generateSm2KeyPair().publicKey), policy)).toMatchObject({ trusted: false, reason: 'key-not-registered', message: expect.stringContaining('某某互联网医院') });
    expect(checkBundleKeys({ ...v1(0, old), batch: { gateway: 'cc'.repeat(32), seq: 0 } } as AnyProofBundle, policy)).toMatchObject({ trusted: false, reason: 'unknown-institution' });
  });

  it('refuses a v2 checkpoint signed with a key not registered for size - 1', () => {
    const b = { ...v1(3, old), format: 'evidence-proof/2', log: { checkpoint: { size: 12 }, signature: { publicKey: old } } } as unknown as AnyProofBundle;
    expect(checkBundleKeys(b, policy)).toMatchObject({ trusted: false, message: expect.stringContaining('log.signature.publicKey') });
  });
});

describe('policyKeyLookup and names', () => {
  it('resolves nodes by time and institutions by their key times; unknown ids to nothing', () => {
    const hops = [{ node: gw, ts: 6000 }, { node: 'bb'.repeat(32), ts: 6001 }] as Hop[];
    const lookup = policyKeyLookup(policy, hops);
    expect(lookup(gw)).toBe(current);
    expect(lookup('bb'.repeat(32))).toBe(nodeKey);
    expect(lookup('dd'.repeat(32))).toBeUndefined();
    expect(policyKeyLookup(policy, [{ node: gw, ts: 100 }] as Hop[])(gw)).toBe(old);
    expect(signerName(policy, gw)).toBe('某某互联网医院 H330100001');
    expect(signerName(null, gw, 'H1')).toBe('H1');
  });
});

describe('bundleVerdict', () => {
  const intact = { valid: true as const, steps: [], leafHash: '', headerHash: '' };
  it('keeps levels apart: intact alone leaves keys and anchor not checked', () => {
    expect(bundleVerdict(intact)).toEqual({ valid: true, failedStep: null, levels: { intact: 'passed', keys: 'not-checked', anchored: 'not-checked', witnesses: 'not-checked' } });
  });
  it('a policy key failure is trust; a chain key mismatch fails keys, not the anchor level; unreachable is not checked', () => {
    const institution = policy.institutions[0]!;
    expect(bundleVerdict(intact, { trusted: false, reason: 'key-not-registered', institution, message: '' })).toMatchObject({ valid: false, failedStep: 'trust', levels: { keys: 'failed' } });
    expect(bundleVerdict(intact, undefined, { anchored: false, reason: 'key-mismatch', message: '' })).toMatchObject({ failedStep: 'anchor', levels: { keys: 'failed', anchored: 'not-checked' } });
    expect(bundleVerdict(intact, undefined, { anchored: false, reason: 'unreachable', message: '' })).toMatchObject({ valid: false, levels: { anchored: 'not-checked' } });
    expect(bundleVerdict(intact, undefined, { anchored: true, message: '' })).toMatchObject({ valid: true, levels: { keys: 'passed', anchored: 'passed' } });
  });
  it('a witness quorum not met is level 3, not a damaged file: intact passed, the other levels still checked', () => {
    const short = { valid: false as const, failedStep: 'witnesses' as const, message: 'witnesses: quorum', steps: [{ step: 'witnesses' as const, status: 'failed' as const, message: '' }] };
    expect(bundleVerdict(short, undefined, { anchored: true, message: '' })).toEqual({ valid: false, failedStep: 'witnesses', levels: { intact: 'passed', keys: 'passed', anchored: 'passed', witnesses: 'failed' } });
    const damaged = { valid: false as const, failedStep: 'signature' as const, message: '', steps: [] };
    expect(bundleVerdict(damaged)).toMatchObject({ failedStep: 'signature', levels: { intact: 'failed', keys: 'not-checked' } });
  });
});

describe('maskPersonalData', () => {
  it('masks ID numbers and mobile numbers by shape and by name, anywhere in the payload', () => {
    expect(maskPersonalData({ idNumber: '330102199001011234', phone: '13800000000', note: '患者 330102199001011234 电话 13912345678', nested: [{ tel: '0571-8888' }], n: 1 })).toEqual({
      idNumber: '3301**********1234',
      phone: '138****0000',
      note: '患者 3301**********1234 电话 139****5678',
      nested: [{ tel: '*****8888' }],
      n: 1,
    });
  });
});

describe('chainLabel and kindLabel', () => {
  const evm = { chain: 'evm' as const, chainId: 9527, contract: '0x' + 'ab'.repeat(20), txHash: '0x' + '01'.repeat(32), blockNumber: 12 };
  it('flags development chains, chains the policy does not name, and trusts the one it names', () => {
    expect(chainLabel({ ...evm, chainId: 31337 }, null)).toMatchObject({ flag: 'development', zh: expect.stringContaining('开发测试链') });
    expect(chainLabel({ ...evm, chainId: 1337 }, policy)).toMatchObject({ flag: 'development' });
    expect(chainLabel(evm, policy)).toMatchObject({ flag: 'unknown', zh: expect.stringContaining('不是信任策略所列的链') });
    const named = parseTrustPolicy({ format: TRUST_FORMAT, institutions: [], chains: { evm: { rpcUrl: 'https://chain.example', chainId: 9527, contract: evm.contract.toUpperCase().replace('0X', '0x') } } });
    expect(chainLabel(evm, named)).toMatchObject({ flag: 'trusted' });
    expect(chainLabel(null, named)).toMatchObject({ flag: null });
  });
  it('names kinds in Chinese with their regulation, from kinds.ts; an undefined code is said as such', () => {
    expect(kindLabel(5)).toEqual({ zh: '电子处方', en: 'prescription', regulation: '《处方管理办法》《互联网诊疗监管细则（试行）》' });
    expect(kindLabel(200)).toMatchObject({ zh: '未定义类型 200', regulation: '' });
  });
});
